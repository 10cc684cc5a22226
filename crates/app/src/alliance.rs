//! Regional medical alliances (地域医療連携推進法人): the registry of alliances and their member
//! corporations, read within the principal's prefecture, and the demo's alliance, 東葛南部
//! メディカルアライアンス (Chiba), as the prefecture publishes it.

use chiiki_domain::{
    Alliance, AllianceFields, AllianceId, AllianceMember, AllianceMemberFields, LgCode,
    MemberFacility, MemberFacilityKind, NaiveDate, Name, PrefCode,
};
use chiiki_store::{Store, StoreError};
use chiiki_tabular::{Cell, Sheet};

use crate::AppError;
use crate::access::{Permission, Principal};

/// The credit line of the demo's alliance.
pub const TOKATSU_NANBU_SOURCE: &str =
    "千葉県 健康福祉部 医療整備課『地域医療連携推進法人について』";

/// The alliances of a prefecture (all those in the principal's scope when None), by id.
pub async fn alliances(
    store: &dyn Store,
    who: &Principal,
    pref: Option<PrefCode>,
) -> Result<Vec<Alliance>, AppError> {
    who.require(Permission::ReadRegister)?;
    let pref = who.region_pref(pref)?;
    Ok(store.list_alliances(pref).await?)
}

/// The member corporations of an alliance (of every alliance in the principal's scope when
/// None), those that are members on the day when given, by alliance, then the day they joined.
/// An alliance outside the scope is missing, as one that does not exist.
pub async fn members(
    store: &dyn Store,
    who: &Principal,
    alliance: Option<&AllianceId>,
    on: Option<NaiveDate>,
) -> Result<Vec<AllianceMember>, AppError> {
    who.require(Permission::ReadRegister)?;
    let ids: Vec<AllianceId> = match alliance {
        Some(id) => {
            let found = store
                .get_alliance(id)
                .await?
                .filter(|a| who.scope_pref().is_none_or(|p| p == a.pref));
            if found.is_none() {
                return Err(StoreError::Missing {
                    what: format!("the alliance {id}"),
                }
                .into());
            }
            vec![id.clone()]
        }
        None => alliances(store, who, None)
            .await?
            .into_iter()
            .map(|a| a.id.clone())
            .collect(),
    };
    let mut out = Vec::new();
    for id in &ids {
        out.extend(store.list_alliance_members(id, on).await?);
    }
    Ok(out)
}

/// Members as a sheet: alliance, corporation, joined, left, how many facilities and their
/// names joined with 、.
pub fn members_sheet(members: &[AllianceMember]) -> Sheet {
    Sheet {
        name: "参加法人".into(),
        headers: [
            "alliance",
            "corporation",
            "joined",
            "left",
            "facilities_count",
            "facilities",
        ]
        .map(String::from)
        .to_vec(),
        rows: members
            .iter()
            .map(|m| {
                vec![
                    Cell::Text(m.alliance.to_string()),
                    Cell::Text(m.corporation.to_string()),
                    Cell::date(Some(m.joined)),
                    Cell::date(m.left),
                    Cell::Number(m.facilities.len() as f64),
                    Cell::Text(
                        m.facilities
                            .iter()
                            .map(|f| f.name.to_string())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ]
            })
            .collect(),
    }
}

fn name(s: &str) -> Name {
    Name::parse(s).expect("a valid name")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The demo's alliance and its four member corporations, from the prefecture's page (nothing
/// invented: real, with its source). The first three corporations are taken to have joined on
/// the day of certification, 2024-09-17, as far as the source says; 医療法人社団誠馨会 was added
/// on 令和7年4月1日. Their facilities are as the alliance names them, not in the register.
pub fn tokatsu_nanbu() -> (Alliance, Vec<AllianceMember>) {
    use MemberFacilityKind::*;
    let id = AllianceId::parse("12-TOKATSU-NANBU").expect("a valid id");
    let alliance = Alliance::new(AllianceFields {
        id: id.clone(),
        name: name("地域医療連携推進法人 東葛南部メディカルアライアンス"),
        pref: PrefCode::new(12).expect("Chiba"),
        certified: day(2024, 9, 17),
        // 船橋市・習志野市・市川市・鎌ケ谷市・八千代市・浦安市, in the order of the certification.
        area: ["122041", "122165", "122033", "122246", "122211", "122271"]
            .iter()
            .map(|c| LgCode::parse(c).expect("a valid code"))
            .collect(),
        policies: [
            "地域のニーズに即した医療機能分担及び医療資源の集約化",
            "各法人の専門性や特色を活かし地域の医療水準の向上",
            "業務連携による効率的で持続可能な経営環境・医療提供体制",
            "事業: 共同研修・相互派遣",
            "事業: 医薬品等の共同購入・共同利用",
            "事業: 災害時の情報共有と相互支援",
        ]
        .map(String::from)
        .to_vec(),
        source: Some(TOKATSU_NANBU_SOURCE.into()),
        synthetic: false,
    })
    .expect("a valid alliance");
    let at_certification = "認定時の参加法人（参加日は出典に記載がなく、認定日としています） / a member at certification (the source gives no date of joining; the day of certification is used)";
    let member = |corporation: &str,
                  joined: NaiveDate,
                  note: &str,
                  facilities: &[(&str, MemberFacilityKind)]| {
        AllianceMember::new(AllianceMemberFields {
            alliance: id.clone(),
            corporation: name(corporation),
            joined,
            left: None,
            facilities: facilities
                .iter()
                .map(|(n, kind)| MemberFacility {
                    name: name(n),
                    kind: *kind,
                    facility: None,
                })
                .collect(),
            note: note.into(),
        })
        .expect("a valid member")
    };
    let members = vec![
        member(
            "医療法人社団白羽会",
            day(2024, 9, 17),
            at_certification,
            &[
                ("つばさ在宅クリニック", Clinic),
                ("つばさ在宅クリニック西船橋", Clinic),
                ("つばさ在宅クリニック新鎌ヶ谷", Clinic),
                ("つばさ歯科医院", DentalClinic),
                ("エール訪問看護ステーション", VisitingNursing),
                ("つばさ在宅居宅介護支援センター", HomeCareSupport),
                ("つばさ在宅訪問介護センター", Other),
                ("サービス付き高齢者向け住宅つばさの杜", CareFacility),
            ],
        ),
        member(
            "医療法人社団ヨゼフ会",
            day(2024, 9, 17),
            at_certification,
            &[("高木医院", Clinic)],
        ),
        member(
            "医療法人弘仁会",
            day(2024, 9, 17),
            at_certification,
            &[
                ("板倉病院", Hospital),
                ("板倉サテライトクリニック", Clinic),
                ("いたくら乳腺クリニック", Clinic),
                ("介護老人保健施設ロータスケアセンター", CareFacility),
                ("ロータス訪問看護ステーション", VisitingNursing),
                ("ロータス居宅介護支援事業所", HomeCareSupport),
                ("船橋市塚田地区地域包括支援センター", Other),
            ],
        ),
        member(
            "医療法人社団誠馨会",
            day(2025, 4, 1),
            "令和7年4月1日追加 / added on 2025-04-01",
            &[("セコメディック病院", Hospital)],
        ),
    ];
    (alliance, members)
}

/// Loads the demo's alliance and its members, as the actor `demo`.
pub async fn load_demo(store: &dyn Store) -> Result<(), AppError> {
    let (alliance, members) = tokatsu_nanbu();
    store.put_alliance("demo", &alliance).await?;
    for m in &members {
        store.put_alliance_member("demo", m).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiiki_domain::{Role, Username};
    use chiiki_store::testing;

    fn coordinator(pref: u8) -> Principal {
        Principal {
            username: Username::parse("coordinator").unwrap(),
            display_name: "test".into(),
            role: Role::Coordinator,
            pref: PrefCode::new(pref).ok(),
            facility: None,
            doctor: None,
        }
    }

    #[tokio::test]
    async fn the_demo_alliance_has_four_members_one_added_in_2025() {
        let t = testing::sqlite().await;
        let store = t.store();
        load_demo(store).await.unwrap();
        let admin = Principal::system("test");
        let all = alliances(store, &admin, None).await.unwrap();
        assert_eq!(all.len(), 1);
        assert!(!all[0].synthetic);
        assert_eq!(all[0].area.len(), 6);
        let id = all[0].id.clone();
        let now = members(store, &admin, Some(&id), None).await.unwrap();
        assert_eq!(now.len(), 4);
        assert_eq!(now[3].corporation.as_str(), "医療法人社団誠馨会");
        let before = members(store, &admin, None, Some(day(2025, 3, 31)))
            .await
            .unwrap();
        assert_eq!(before.len(), 3);
        let sheet = members_sheet(&now);
        assert_eq!(sheet.rows.len(), 4);
        let hakuu = sheet
            .rows
            .iter()
            .find(|r| r[1] == Cell::Text("医療法人社団白羽会".into()))
            .unwrap();
        assert_eq!(hakuu[4], Cell::Number(8.0));
        // Iwate's coordinator sees no alliance of Chiba, and asking for it finds nothing.
        let iwate = coordinator(3);
        assert!(alliances(store, &iwate, None).await.unwrap().is_empty());
        assert!(matches!(
            members(store, &iwate, Some(&id), None).await,
            Err(AppError::Store(StoreError::Missing { .. }))
        ));
        let chiba = coordinator(12);
        assert_eq!(members(store, &chiba, None, None).await.unwrap().len(), 4);
    }
}
