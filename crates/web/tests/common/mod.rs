//! What the web tests share: a synthetic Mie doctor under Mie's programme.

#[cfg(unix)]
pub mod browser;
pub mod web;

use chiiki_app::access::Principal;
use chiiki_store::testing;

/// Imports Mie's programme and one synthetic doctor, MIE-2016-001, whose three years of
/// specialist training in Tokyo break the two-year limit on training outside Mie (the Iwate
/// demo's schemes state no rule a doctor could break).
#[allow(dead_code)]
pub async fn import_mie(t: &testing::TestStore) {
    use chiiki_app::register::{Source, import};
    use chiiki_domain::Entity;
    let system = Principal::system("test");
    for (entity, csv) in [
        (
            Entity::Schemes,
            "制度ID,制度名,都道府県,貸与元,義務年限\n\
             mie-late-training,三重県 後期研修プログラム（県内勤務医コース）,24,三重県地域医療支援センター,10\n",
        ),
        (
            Entity::Doctors,
            "医師ID,氏名,性別,生年月日,卒業年月日,都道府県,制度ID,貸与開始日,貸与終了日,架空\n\
             MIE-2016-001,架空 三重子,女,1990-05-01,2016-03-20,24,mie-late-training,2010-04-01,2016-03-31,1\n",
        ),
        (
            Entity::Assignments,
            "医師ID,勤務先名,勤務先都道府県,開始日,終了日,勤務区分\n\
             MIE-2016-001,架空 三重大学病院,24,2016-04-01,2018-03-31,initial_residency\n\
             MIE-2016-001,架空 東京病院,13,2018-04-01,2021-03-31,specialist_training\n\
             MIE-2016-001,架空 県立病院,24,2021-04-01,,other_service\n",
        ),
    ] {
        let report = import(
            t.store(),
            &system,
            entity,
            Source::Bytes {
                name: "mie.csv",
                bytes: csv.as_bytes(),
            },
            false,
            &mut |_, _| {},
        )
        .await
        .unwrap();
        assert!(report.committed, "{entity:?}: {:?}", report.issues);
    }
}
