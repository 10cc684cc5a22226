//! The shipped schemes: every file loads and validates, cites its sources, and says what
//! its seed states — no more.

use chiiki_domain::{AssignmentKind, FacilityGroup, Lang, NaiveDate, SchemeId};
use chiiki_obligations::{
    ObligationLength, ObligationStatus, Place, Registry, SHIPPED, SchemeDefinition, SchemeKind,
    Span,
};

fn id(s: &str) -> SchemeId {
    SchemeId::parse(s).unwrap()
}

fn shipped(scheme: &str) -> SchemeDefinition {
    let registry = Registry::shipped().unwrap();
    registry.versions(&id(scheme)).next().unwrap().clone()
}

/// Every cited passage and description of a definition.
fn citations(def: &SchemeDefinition) -> Vec<(&str, &chiiki_domain::Msg)> {
    let r = &def.rules;
    let mut out = Vec::new();
    macro_rules! one {
        ($x:expr) => {
            if let Some(c) = &$x {
                out.push((c.source.as_str(), &c.description));
            }
        };
    }
    one!(r.obligation);
    one!(r.service);
    one!(r.designated);
    one!(r.deadline);
    one!(r.outside_prefecture);
    one!(r.tenure);
    one!(r.specialist);
    one!(r.rotation);
    one!(r.initial_residency);
    one!(r.repayment);
    one!(def.statuses);
    for c in &r.suspensions {
        out.push((c.source.as_str(), &c.description));
    }
    for c in &r.limits {
        out.push((c.source.as_str(), &c.description));
    }
    for n in &def.notes {
        out.push((n.source.as_str(), &n.description));
    }
    out
}

#[test]
fn every_shipped_scheme_loads_and_validates() {
    assert_eq!(SHIPPED.len(), 9);
    for (name, text) in SHIPPED {
        let def = SchemeDefinition::from_toml(name, text)
            .unwrap_or_else(|e| panic!("{name} does not load:\n{e}"));
        assert_eq!(def.file, *name);
        assert_eq!(format!("schemes/{}.toml", def.id), *name);
        assert_eq!(def.version, 1);
        // No seed states a start date.
        assert_eq!(def.effective_from, None, "{name}");
        let cites = citations(&def);
        assert!(!cites.is_empty(), "{name} cites nothing");
        for (source, description) in cites {
            assert!(!source.trim().is_empty());
            assert!(!description.ja.trim().is_empty() && !description.en.trim().is_empty());
        }
    }
    let registry = Registry::shipped().unwrap();
    assert_eq!(registry.len(), 9);
    let ids: Vec<&str> = registry.scheme_ids().map(|i| i.as_str()).collect();
    assert_eq!(
        ids,
        [
            "gifu-type1",
            "gifu-type2",
            "iwate-career",
            "iwate-career-gp",
            "iwate-career-im",
            "iwate-iryokyoku",
            "iwate-kokuho",
            "iwate-shichoson",
            "mie-late-training"
        ]
    );
}

#[test]
fn mie_states_the_programme_conditions_literally() {
    let mie = shipped("mie-late-training");
    assert_eq!(mie.kind, SchemeKind::Programme);
    assert_eq!(mie.pref.name_ja(), "三重県");
    let r = &mie.rules;

    let specialist = r.specialist.as_ref().unwrap();
    assert_eq!(specialist.year_after_graduation, 10);
    // The source names no length of training.
    assert_eq!(specialist.training_years, None);
    assert!(
        specialist
            .source
            .contains("卒後10年以内に、基本領域の専門医資格を取得")
    );

    let outside = r.outside_prefecture.as_ref().unwrap();
    assert_eq!(outside.max, Span::years(2));
    assert!(outside.includes_abroad);
    assert_eq!(outside.applies_to, [AssignmentKind::SpecialistTraining]);
    assert!(outside.source.contains("その期間を通算して2年以内とする"));

    let tenure = r.tenure.as_ref().unwrap();
    assert_eq!(tenure.min_per_facility, Span::years(1));
    assert!(tenure.dispatch_allowed);
    assert!(
        tenure
            .source
            .contains("一つの医療機関での研修期間は1年以上とする")
    );

    let rotation = r.rotation.as_ref().unwrap();
    assert!(rotation.min_sites >= 2 && rotation.within_prefecture);
    let groups: Vec<FacilityGroup> = rotation.groups.iter().map(|g| g.group).collect();
    assert_eq!(
        groups,
        [
            FacilityGroup::University,
            FacilityGroup::LargeMedium,
            FacilityGroup::Small,
            FacilityGroup::DesignatedShortage
        ]
    );
    let designated = &rotation.groups[3];
    assert_eq!(designated.min_sites, 1);
    assert_eq!(designated.min_per_site, Some(Span::years(1)));
    assert!(
        designated
            .source
            .as_deref()
            .unwrap()
            .contains("1ヶ所(1年以上)")
    );

    assert_eq!(
        r.obligation.as_ref().unwrap().rule,
        ObligationLength::Fixed(Span::years(10))
    );
    assert!(r.service.as_ref().unwrap().initial_residency_counts);
    assert!(r.initial_residency.as_ref().unwrap().in_prefecture);
    assert_eq!(r.limits[0].max, Span::years(2));
    // Silent in the seed: left out.
    assert!(r.deadline.is_none());
    assert!(r.suspensions.is_empty());
    assert!(r.repayment.is_none());
    assert!(r.designated.is_none());
    assert!(
        mie.notes
            .iter()
            .any(|n| n.source.contains("基本条件を変更することができる"))
    );
}

#[test]
fn gifu_states_its_types_and_register_statuses() {
    let type1 = shipped("gifu-type1");
    let type2 = shipped("gifu-type2");
    assert_eq!(type1.kind, SchemeKind::RegionalQuota);
    assert_eq!(type2.kind, SchemeKind::Scholarship);
    for def in [&type1, &type2] {
        assert_eq!(def.pref.name_ja(), "岐阜県");
        let designated = def.rules.designated.as_ref().unwrap();
        // 「一定期間」: required, length not stated.
        assert_eq!(designated.min, None);
        assert_eq!(designated.places, [Place::ShortageArea]);
        assert!(designated.source.contains("一定期間の医師不足地域での勤務"));
        // The obligation rules themselves are not in the seed.
        assert!(def.rules.obligation.is_none() && def.rules.deadline.is_none());
    }
    let statuses = type2.statuses.as_ref().unwrap();
    for (status, word) in [
        (ObligationStatus::InitialResidency, "初期研修"),
        (ObligationStatus::InService, "指定勤務"),
        (ObligationStatus::Completed, "指定明け"),
        (ObligationStatus::Suspended, "中断中"),
    ] {
        assert_eq!(statuses.label(status, Lang::Ja), word);
    }
    assert!(type1.statuses.is_none());
}

/// The demo's schemes (crates/app/src/demo.rs `schemes()`), read from its source so that
/// the ids, names, sponsors and years cannot drift apart.
#[test]
fn iwate_demo_schemes_match_the_demo() {
    let demo = include_str!("../../app/src/demo.rs");
    let registry = Registry::shipped().unwrap();
    for scheme in ["iwate-kokuho", "iwate-iryokyoku", "iwate-shichoson"] {
        let def = registry.versions(&id(scheme)).next().unwrap();
        let at = demo
            .find(&format!("\"{scheme}\","))
            .unwrap_or_else(|| panic!("{scheme} is not in demo.rs"));
        let entry = &demo[at..at + demo[at..].find("),").unwrap()];
        assert!(entry.contains(&format!("\"{}\"", def.name.ja)), "{entry}");
        assert!(
            entry.contains(&format!("\"{}\"", def.sponsor.as_deref().unwrap())),
            "{entry}"
        );
        let ObligationLength::Fixed(years) = def.rules.obligation.as_ref().unwrap().rule else {
            panic!("{scheme}: a fixed obligation");
        };
        assert!(
            entry.contains(&format!("{},", years.in_months() / 12)),
            "{scheme}: {years} in {entry}"
        );
        assert_eq!(def.pref.name_ja(), "岩手県");
        let service = def.rules.service.as_ref().unwrap();
        assert_eq!(service.kinds, [AssignmentKind::DesignatedService]);
        assert!(!service.initial_residency_counts);
        // Every demo loan (starting 2006–2026) finds its version.
        for year in 2006..=2026 {
            let start = NaiveDate::from_ymd_opt(year, 4, 1).unwrap();
            assert_eq!(registry.version_for(&def.id, start).unwrap().version, 1);
        }
    }
}

#[test]
fn the_demo_programmes_state_their_rotation_rules() {
    for (id, sites, groups) in [
        ("iwate-career", 2, 1),
        ("iwate-career-gp", 3, 3),
        ("iwate-career-im", 3, 2),
    ] {
        let p = shipped(id);
        assert_eq!(p.kind, SchemeKind::Programme);
        let rotation = p.rules.rotation.as_ref().unwrap();
        assert_eq!(rotation.min_sites, sites, "{id}");
        assert_eq!(rotation.groups.len(), groups, "{id}");
        let specialist = p.rules.specialist.as_ref().unwrap();
        assert_eq!(specialist.training_years, Some(3), "{id}");
        assert_eq!(
            p.rules.tenure.as_ref().unwrap().min_per_facility,
            Span::years(1)
        );
    }
}
