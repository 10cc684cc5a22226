//! Hot paths of the domain: parsing dates as files write them, and finding overlapping
//! assignments over a national register. `cargo bench -p chiiki-domain`.

use chiiki_domain::{
    Assignment, AssignmentFields, AssignmentId, AssignmentKind, DoctorId, FacilityId, Fte,
    NaiveDate, Period, Workplace, overloads, parse_date,
};

fn main() {
    divan::main();
}

const DATES: &[&str] = &[
    "2024-04-01",
    "令和6年4月1日",
    "R6.4.1",
    "Ｒ０６／０４／０１",
    "平成30年12月1日",
    "2024/4/1",
];

#[divan::bench]
fn parse_dates(b: divan::Bencher) {
    b.counter(divan::counter::ItemsCount::new(DATES.len()))
        .bench(|| {
            DATES
                .iter()
                .map(|s| parse_date(divan::black_box(s)).is_ok())
                .filter(|ok| *ok)
                .count()
        });
}

/// `n` doctors with three back-to-back assignments each, one of which overlaps at 0.5 FTE.
fn register(n: usize) -> Vec<Assignment> {
    let base = NaiveDate::from_ymd_opt(2020, 4, 1).unwrap();
    let mut out = Vec::with_capacity(n * 3);
    for d in 0..n {
        let doctor = DoctorId::parse(&format!("D{d}")).unwrap();
        for (i, (start, days, fte)) in [(0i64, 729i64, 100u16), (730, 364, 100), (900, 60, 50)]
            .into_iter()
            .enumerate()
        {
            let s = base + chrono::Duration::days(start);
            out.push(
                Assignment::new(AssignmentFields {
                    id: AssignmentId::parse(&format!("D{d}-{i}")).unwrap(),
                    doctor: doctor.clone(),
                    place: Some(Workplace::Registered {
                        facility: FacilityId::parse("F").unwrap(),
                    }),
                    period: Period::new(s, Some(s + chrono::Duration::days(days))).unwrap(),
                    fte: Fte::from_hundredths(fte).unwrap(),
                    kind: AssignmentKind::DesignatedService,
                })
                .unwrap(),
            );
        }
    }
    out
}

#[divan::bench(args = [1_000, 100_000])]
fn find_overloads(b: divan::Bencher, doctors: usize) {
    let list = register(doctors);
    b.counter(divan::counter::ItemsCount::new(list.len()))
        .bench(|| {
            let found = overloads(divan::black_box(&list));
            assert_eq!(found.len(), doctors);
            found.len()
        });
}
