//! The figures and charts of a set of areas (a prefecture, the nation, one area), shared by
//! the HTML report and the web pages: sums over the areas by year and by bed function, and
//! the charts drawn from them.

use chiiki_analytics::Population;
use chiiki_analytics::beds::BedFunction;
use chiiki_analytics::demand::{AgeGroups, DemandKind, demand_index};
use chiiki_app::analysis::AreaAnalysis;
use chiiki_app::outlook::{BedFigures, YEARS, YearFigures};
use chiiki_domain::Lang;

use crate::charts::{self, ChartError, PALETTE, Series};

/// Sums over the areas, by [`YEARS`] and by bed function. A sum is `None` where any area
/// lacks the figure: a partial sum would pass for the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    pub population: Vec<Option<f64>>,
    pub aged_65: Vec<Option<f64>>,
    pub aged_75: Vec<Option<f64>>,
    /// JMAP indices of the summed age groups, 2020 = 100.
    pub medical: Vec<Option<f64>>,
    pub care: Vec<Option<f64>>,
    pub needed: Vec<Option<f64>>,
    pub supply: Vec<Option<f64>>,
    pub gap: Vec<Option<f64>>,
    /// By [`BedFunction::ALL`].
    pub reported: Vec<Option<f64>>,
    pub necessary: Vec<Option<f64>>,
    pub necessary_2040: Vec<Option<f64>>,
}

fn year_sums(areas: &[AreaAnalysis], f: fn(&YearFigures) -> Option<f64>) -> Vec<Option<f64>> {
    YEARS
        .iter()
        .map(|&y| {
            areas
                .iter()
                .map(|a| a.years.iter().find(|r| r.year == y).and_then(f))
                .sum::<Option<f64>>()
        })
        .collect()
}

fn bed_sums(areas: &[AreaAnalysis], f: fn(&BedFigures) -> Option<f64>) -> Vec<Option<f64>> {
    (0..BedFunction::ALL.len())
        .map(|k| areas.iter().map(|a| a.beds.get(k).and_then(f)).sum())
        .collect()
}

fn group_sums(areas: &[AreaAnalysis]) -> Vec<Option<AgeGroups>> {
    YEARS
        .iter()
        .map(|&y| {
            let mut sum = [0.0; 5];
            for a in areas {
                let g = a.years.iter().find(|r| r.year == y)?.age_groups?;
                for (s, x) in sum.iter_mut().zip(g.to_array()) {
                    *s += x;
                }
            }
            AgeGroups::new(sum[0], sum[1], sum[2], sum[3], sum[4]).ok()
        })
        .collect()
}

/// The sums of the areas.
pub fn sums(areas: &[AreaAnalysis]) -> Sums {
    let groups = group_sums(areas);
    let demand = |kind: DemandKind| -> Vec<Option<f64>> {
        groups
            .iter()
            .map(|g| demand_index(groups[0].as_ref()?, g.as_ref()?, kind).ok())
            .collect()
    };
    Sums {
        population: year_sums(areas, |y| y.population),
        aged_65: year_sums(areas, |y| y.aged_65_plus),
        aged_75: year_sums(areas, |y| y.aged_75_plus),
        medical: demand(DemandKind::Medical),
        care: demand(DemandKind::Care),
        needed: year_sums(areas, |y| y.doctors_needed),
        supply: year_sums(areas, |y| y.supply),
        gap: year_sums(areas, |y| y.gap),
        reported: bed_sums(areas, |b| b.reported),
        necessary: bed_sums(areas, |b| b.necessary_2025),
        necessary_2040: bed_sums(areas, |b| b.necessary_2040),
    }
}

/// Values as an index of the first (2020 = 100).
fn indexed(values: &[Option<f64>]) -> Vec<Option<f64>> {
    let base = values.first().copied().flatten().filter(|b| *b > 0.0);
    values.iter().map(|v| Some(100.0 * (*v)? / base?)).collect()
}

/// Population, 65+ and 75+ over the years, 2020 = 100.
pub fn population_chart(s: &Sums) -> Result<String, ChartError> {
    let series = [
        ("総人口", &s.population, PALETTE[0]),
        ("65歳以上", &s.aged_65, PALETTE[4]),
        ("75歳以上", &s.aged_75, PALETTE[1]),
    ]
    .map(|(name, values, colour)| Series {
        name: name.into(),
        values: indexed(values),
        colour,
    });
    charts::lines(&YEARS, &series, "2020年 = 100", Some(100.0))
}

/// The medical and care demand indices of the whole, and the medical index of each area
/// when `each` is given.
pub fn demand_chart(
    s: &Sums,
    whole: &str,
    each: Option<&[AreaAnalysis]>,
) -> Result<String, ChartError> {
    let mut series = vec![
        Series {
            name: format!("{whole} 医療"),
            values: s.medical.clone(),
            colour: PALETTE[0],
        },
        Series {
            name: format!("{whole} 介護"),
            values: s.care.clone(),
            colour: PALETTE[1],
        },
    ];
    for (k, a) in each.unwrap_or_default().iter().enumerate() {
        series.push(Series {
            name: format!("{} 医療", a.area_name),
            values: YEARS
                .iter()
                .map(|&y| a.years.iter().find(|r| r.year == y)?.medical_demand_index)
                .collect(),
            colour: PALETTE[2 + k % (PALETTE.len() - 2)],
        });
    }
    charts::lines(&YEARS, &series, "2020年 = 100", Some(100.0))
}

/// Doctors needed for the national index against the supply, by year.
pub fn doctors_chart(s: &Sums) -> Result<String, ChartError> {
    let series = [
        Series {
            name: "全国値に必要な医師数".into(),
            values: s.needed.clone(),
            colour: PALETTE[1],
        },
        Series {
            name: "供給".into(),
            values: s.supply.clone(),
            colour: PALETTE[0],
        },
    ];
    charts::lines(&YEARS, &series, "標準化医師数", None)
}

/// The population pyramid of the areas: 2025 as bars, 2040 as outlines.
pub fn pyramid_chart(areas: &[AreaAnalysis]) -> Result<Option<String>, ChartError> {
    let sum = |f: fn(&AreaAnalysis) -> Option<Population>| -> Option<Population> {
        let mut total = Population::default();
        for a in areas {
            total.add(&f(a)?);
        }
        Some(total)
    };
    match (sum(|a| a.ages_2025), sum(|a| a.ages_2040)) {
        (Some(p25), p40) => Ok(Some(charts::pyramid(
            &p25,
            "2025（住民基本台帳）",
            p40.as_ref().map(|p| (p, "2040（推計）")),
        )?)),
        _ => Ok(None),
    }
}

/// Reported and necessary beds by function.
pub fn beds_chart(s: &Sums) -> Result<String, ChartError> {
    let functions: Vec<String> = BedFunction::ALL
        .iter()
        .map(|f| f.label(Lang::Ja).to_string())
        .collect();
    charts::bed_bars(&functions, &s.reported, &s.necessary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_iwate() {
        let iwate: Vec<AreaAnalysis> = crate::national_areas()
            .iter()
            .filter(|a| a.pref_code == "03")
            .cloned()
            .collect();
        let s = sums(&iwate);
        // IPSS: Iwate 1,138,160 in 2025 (its areas' sum, rounded each).
        assert!((s.population[1].unwrap() - 1_138_160.0).abs() < 10.0);
        assert_eq!(s.medical[0], Some(100.0));
        assert!(s.gap.iter().skip(1).all(Option::is_some));
        assert_eq!(s.reported.len(), 4);
        for svg in [
            population_chart(&s).unwrap(),
            demand_chart(&s, "岩手県", Some(&iwate)).unwrap(),
            doctors_chart(&s).unwrap(),
            beds_chart(&s).unwrap(),
            pyramid_chart(&iwate).unwrap().unwrap(),
        ] {
            assert!(svg.starts_with("<svg") && !svg.contains("NaN"));
        }
        // One area missing a figure makes the sum missing, not smaller.
        let mut gap = iwate.clone();
        gap[0].years[3].population = None;
        assert_eq!(sums(&gap).population[3], None);
    }
}
