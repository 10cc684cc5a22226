//! Closed sets of values (kinds, levels, specialties), each with a stable code used in
//! files and the API, a Japanese and an English label, and the spellings accepted on import.

/// Defines a closed enum with `code()`, `label(lang)`, `ALL`, and parsing from its code,
/// its labels or any listed alias (after NFKC normalisation, ASCII case-insensitive).
macro_rules! labelled_enum {
    ($(#[$doc:meta])* $name:ident, $what_ja:literal, $what_en:literal {
        $($variant:ident = ($code:literal, $ja:literal, $en:literal $(, $alias:literal)*)),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in files, the database and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self, lang: $crate::Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, $crate::Lang::Ja) => $ja, ($name::$variant, $crate::Lang::En) => $en),+
                }
            }

            pub fn parse(input: &str) -> Result<Self, $crate::ValueError> {
                let s = $crate::normalize(input);
                let matches = |c: &str| c.eq_ignore_ascii_case(&s)
                    || c.replace(' ', "_").eq_ignore_ascii_case(&s.replace([' ', '-'], "_"));
                $(
                    if matches($code) || matches($ja) || matches($en) $(|| matches($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                let choices_ja = [$($ja),+].join("、");
                let choices_en = [$($code),+].join(", ");
                Err($crate::ValueError::new(
                    input,
                    $crate::Msg::new(
                        format!("{}「{}」は選択肢にありません", $what_ja, input),
                        format!("'{}' is not a known {}", input, $what_en),
                    ),
                    $crate::Msg::new(
                        format!("次のいずれかを入力してください: {choices_ja}"),
                        format!("use one of: {choices_en}"),
                    ),
                ))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = $crate::ValueError;
            fn from_str(s: &str) -> Result<Self, $crate::ValueError> { Self::parse(s) }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}
/// Other modules define their closed sets with `crate::labels::labelled_enum!`.
#[allow(unused_imports)]
pub(crate) use labelled_enum;

labelled_enum!(
    /// What a facility is.
    FacilityKind, "施設種別", "facility kind" {
        UniversityHospital = ("university_hospital", "大学病院", "University hospital", "大学附属病院", "特定機能病院"),
        Hospital = ("hospital", "病院", "Hospital"),
        ClinicWithBeds = ("clinic_with_beds", "有床診療所", "Clinic with beds"),
        Clinic = ("clinic", "無床診療所", "Clinic", "診療所"),
        CareFacility = ("care_facility", "介護施設", "Care facility", "介護老人保健施設", "介護医療院"),
    }
);

labelled_enum!(
    /// What a facility of an alliance's member corporation is, as the alliance lists it.
    MemberFacilityKind, "参加施設種別", "member facility kind" {
        Hospital = ("hospital", "病院", "Hospital"),
        Clinic = ("clinic", "診療所", "Clinic", "クリニック", "医院"),
        DentalClinic = ("dental_clinic", "歯科診療所", "Dental clinic", "歯科医院"),
        VisitingNursing = ("visiting_nursing", "訪問看護ステーション", "Visiting nursing station"),
        CareFacility = ("care_facility", "介護施設", "Care facility", "介護老人保健施設", "サービス付き高齢者向け住宅"),
        HomeCareSupport = ("home_care_support", "居宅介護支援事業所", "Home-care support office", "居宅介護支援センター"),
        Other = ("other", "その他", "Other"),
    }
);

labelled_enum!(
    /// The facility group a programme's rules speak of.
    FacilityGroup, "施設群", "facility group" {
        University = ("university", "大学", "University"),
        LargeMedium = ("large_medium", "中・大規模病院", "Large or medium hospital", "中大規模", "大中規模病院"),
        Small = ("small", "小規模病院・診療所", "Small hospital or clinic", "小規模"),
        DesignatedShortage = ("designated_shortage", "医師不足地域の指定医療機関", "Designated facility in a shortage area", "指定医療機関", "医師不足地域", "designated"),
    }
);

labelled_enum!(
    /// The emergency care a facility provides.
    EmergencyLevel, "救急医療", "emergency level" {
        None = ("none", "なし", "None", "-", "無"),
        Primary = ("primary", "初期救急", "Primary", "一次", "一次救急"),
        Secondary = ("secondary", "二次救急", "Secondary", "二次"),
        Tertiary = ("tertiary", "三次救急", "Tertiary", "三次", "救命救急センター"),
    }
);

labelled_enum!(
    /// Sex as recorded in the register (used by the standardised physician count).
    Sex, "性別", "sex" {
        Male = ("male", "男", "Male", "M", "男性", "1"),
        Female = ("female", "女", "Female", "F", "女性", "2"),
    }
);

labelled_enum!(
    /// The 19 basic specialties (基本領域) of the Japanese specialist system.
    Specialty, "基本領域", "basic specialty" {
        InternalMedicine = ("internal_medicine", "内科", "Internal medicine"),
        Pediatrics = ("pediatrics", "小児科", "Pediatrics"),
        Dermatology = ("dermatology", "皮膚科", "Dermatology"),
        Psychiatry = ("psychiatry", "精神科", "Psychiatry"),
        Surgery = ("surgery", "外科", "Surgery"),
        Orthopedics = ("orthopedics", "整形外科", "Orthopedic surgery"),
        ObstetricsGynecology = ("obstetrics_gynecology", "産婦人科", "Obstetrics and gynecology"),
        Ophthalmology = ("ophthalmology", "眼科", "Ophthalmology"),
        Otolaryngology = ("otolaryngology", "耳鼻咽喉科", "Otolaryngology"),
        Urology = ("urology", "泌尿器科", "Urology"),
        Neurosurgery = ("neurosurgery", "脳神経外科", "Neurosurgery"),
        Radiology = ("radiology", "放射線科", "Radiology"),
        Anesthesiology = ("anesthesiology", "麻酔科", "Anesthesiology"),
        Pathology = ("pathology", "病理", "Pathology", "病理診断科"),
        LaboratoryMedicine = ("laboratory_medicine", "臨床検査", "Laboratory medicine", "臨床検査科"),
        EmergencyMedicine = ("emergency_medicine", "救急科", "Emergency medicine"),
        PlasticSurgery = ("plastic_surgery", "形成外科", "Plastic surgery"),
        RehabilitationMedicine = ("rehabilitation_medicine", "リハビリテーション科", "Rehabilitation medicine"),
        GeneralPractice = ("general_practice", "総合診療", "General practice", "総合診療科"),
    }
);

labelled_enum!(
    /// The work-hour level of a doctor under the 2024 rules (医師の働き方改革).
    WorkHourLevel, "時間外労働の水準", "work-hour level" {
        A = ("A", "A水準", "Level A"),
        B = ("B", "B水準", "Level B"),
        LinkedB = ("linked_B", "連携B水準", "Linked level B", "連携B"),
        C1 = ("C-1", "C-1水準", "Level C-1", "C1"),
        C2 = ("C-2", "C-2水準", "Level C-2", "C2"),
    }
);

labelled_enum!(
    /// The kind of a duty: what a dispatch request asks for, or a shift of a duty roster.
    DutyKind, "勤務の種類", "duty kind" {
        ClinicDay = ("clinic_day", "日勤（外来・診療）", "Clinic day", "日勤", "代診", "外来"),
        NightDuty = ("night_duty", "宿日直（許可なし）", "Night duty without permit", "当直", "宿直"),
        PermittedNightDuty = ("permitted_night_duty", "宿日直（許可あり）", "Night duty with on-call permit", "宿日直許可", "許可宿直"),
        OnCall = ("on_call", "オンコール", "On call", "オンコール待機"),
    }
);

labelled_enum!(
    /// How urgently a facility needs cover.
    Urgency, "緊急度", "urgency" {
        Routine = ("routine", "通常", "Routine", "低"),
        Soon = ("soon", "早期", "Soon", "中"),
        Urgent = ("urgent", "緊急", "Urgent", "高"),
        Critical = ("critical", "至急（休診回避）", "Critical (the clinic would close)", "至急", "最優先"),
    }
);

impl Urgency {
    /// The weight of an hour of cover at this urgency (routine = 1).
    pub fn weight(self) -> i64 {
        match self {
            Urgency::Routine => 1,
            Urgency::Soon => 2,
            Urgency::Urgent => 4,
            Urgency::Critical => 8,
        }
    }
}

labelled_enum!(
    /// What a doctor does during an assignment.
    AssignmentKind, "勤務区分", "assignment kind" {
        InitialResidency = ("initial_residency", "初期臨床研修", "Initial residency", "初期研修"),
        SpecialistTraining = ("specialist_training", "専門研修", "Specialist training", "後期研修"),
        DesignatedService = ("designated_service", "指定勤務", "Designated service", "義務勤務"),
        OtherService = ("other_service", "その他の勤務", "Other service", "その他勤務"),
        GraduateSchool = ("graduate_school", "大学院", "Graduate school", "大学院進学"),
        Research = ("research", "研究", "Research"),
        StudyAbroad = ("study_abroad", "留学", "Study abroad"),
        MaternityLeave = ("maternity_leave", "産前産後休業", "Maternity leave", "産休"),
        ChildcareLeave = ("childcare_leave", "育児休業", "Childcare leave", "育休"),
        SickLeave = ("sick_leave", "病気休職", "Sick leave", "病休"),
    }
);

impl AssignmentKind {
    /// Leave pauses work; a leave need not name a workplace.
    pub fn is_leave(self) -> bool {
        matches!(
            self,
            AssignmentKind::MaternityLeave
                | AssignmentKind::ChildcareLeave
                | AssignmentKind::SickLeave
        )
    }
}

labelled_enum!(
    /// The administrative state of a doctor's record in the register. (Obligation status,
    /// derived from the timeline, is computed by the obligations engine.)
    RegisterStatus, "登録状態", "register status" {
        Active = ("active", "在籍", "Active", "義務履行中"),
        Completed = ("completed", "義務明け", "Completed", "指定明け", "履行完了"),
        Repaid = ("repaid", "返還", "Repaid", "返還済"),
        Withdrawn = ("withdrawn", "辞退", "Withdrawn", "離脱"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    #[test]
    fn parse_codes_labels_and_aliases() {
        assert_eq!(FacilityKind::parse("病院").unwrap(), FacilityKind::Hospital);
        assert_eq!(
            FacilityKind::parse("Clinic with beds").unwrap(),
            FacilityKind::ClinicWithBeds
        );
        assert_eq!(
            FacilityKind::parse("clinic-with-beds").unwrap(),
            FacilityKind::ClinicWithBeds
        );
        assert_eq!(Sex::parse("Ｆ").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("男").unwrap(), Sex::Male);
        assert_eq!(
            WorkHourLevel::parse("連携B").unwrap(),
            WorkHourLevel::LinkedB
        );
        assert_eq!(WorkHourLevel::parse("c1").unwrap(), WorkHourLevel::C1);
        assert_eq!(
            AssignmentKind::parse("育休").unwrap(),
            AssignmentKind::ChildcareLeave
        );
        assert_eq!(
            EmergencyLevel::parse("三次").unwrap(),
            EmergencyLevel::Tertiary
        );
        assert_eq!(Specialty::ALL.len(), 19);
        // The timeline exchange format names the designated group `designated`.
        assert_eq!(
            FacilityGroup::parse("designated").unwrap(),
            FacilityGroup::DesignatedShortage
        );
    }

    #[test]
    fn every_value_round_trips_through_code_and_labels() {
        for k in AssignmentKind::ALL {
            assert_eq!(AssignmentKind::parse(k.code()).unwrap(), *k);
            assert_eq!(AssignmentKind::parse(k.label(Lang::Ja)).unwrap(), *k);
            assert_eq!(AssignmentKind::parse(k.label(Lang::En)).unwrap(), *k);
        }
        for s in Specialty::ALL {
            assert_eq!(Specialty::parse(s.label(Lang::Ja)).unwrap(), *s);
        }
    }

    #[test]
    fn unknown_values_list_the_choices() {
        let e = Sex::parse("X").unwrap_err();
        assert!(e.fix.ja.contains("男"), "{}", e.fix.ja);
        assert!(e.fix.en.contains("female"), "{}", e.fix.en);
    }
}

labelled_enum!(
    /// The role of a person lent between the member corporations of an alliance.
    LoanRole, "職種", "role" {
        Doctor = ("doctor", "医師", "Doctor"),
        Nurse = ("nurse", "看護師", "Nurse", "看護職員"),
        Therapist = ("therapist", "療法士", "Therapist", "リハビリ職", "理学療法士", "作業療法士", "言語聴覚士"),
        Pharmacist = ("pharmacist", "薬剤師", "Pharmacist"),
        Clerk = ("clerk", "事務職員", "Clerk", "事務"),
        Other = ("other", "その他", "Other"),
    }
);
