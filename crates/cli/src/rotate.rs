//! `chiiki rotate`: plan the prefecture's obligated doctors over several fiscal years, list
//! and show the plan versions, replan after a change, adopt a version, and say why a doctor
//! is where the plan puts them.

use std::path::PathBuf;

use chiiki_app::rotation::{self as rt, Effort, Horizon, Version};
use chiiki_domain::{FiscalYear, Lang, Name, PrefCode, Rationale};
use chiiki_store::Store;
use clap::{Args, Subcommand};

use crate::{
    OutputFormat, bad, binary_destination, cli_principal, open, parse, rejected, write_out,
};

/// How to plan.
#[derive(Args, Clone)]
pub(crate) struct PlanArgs {
    /// The prefecture (code or name); the database's only one when left out.
    #[arg(long)]
    pref: Option<String>,
    /// The first fiscal year of the plan; the next fiscal year when left out.
    #[arg(long = "from", value_name = "YEAR")]
    from: Option<i32>,
    /// How many fiscal years to plan (1 to 15).
    #[arg(long, default_value_t = 10)]
    years: u8,
    /// The version's label.
    #[arg(long)]
    label: Option<String>,
    /// A short search (seconds): the gap says how far from the best the plan can be.
    #[arg(long)]
    quick: bool,
    /// The seed of the search (the same seed gives the same plan).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Subcommand)]
pub(crate) enum RotateCommand {
    /// Plan the cohort and keep the plan as a new version (what `chiiki rotate` does alone).
    Plan(PlanArgs),
    /// The prefecture's plan versions with their figures.
    List {
        #[arg(long)]
        pref: Option<String>,
    },
    /// One version: the figures and coverage (table), the doctors' timelines (csv), every
    /// sheet (xlsx) or the whole version (json).
    Show {
        seq: u32,
        #[arg(long)]
        pref: Option<String>,
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Plan the register as it now stands, keeping every year of version SEQ that can stay;
    /// prints what changed.
    Replan {
        seq: u32,
        #[arg(long)]
        pref: Option<String>,
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        quick: bool,
    },
    /// Adopt version SEQ: the plan in force from now on. Once per version.
    Adopt {
        seq: u32,
        #[arg(long)]
        pref: Option<String>,
        /// Why the committee adopts it.
        #[arg(long)]
        rationale: String,
    },
    /// Why a doctor is where version SEQ puts them, year by year.
    Why {
        seq: u32,
        doctor: String,
        #[arg(long)]
        pref: Option<String>,
    },
}

/// The prefecture asked for, else the only one the database has areas of.
pub(crate) async fn pref_of(store: &dyn Store, asked: Option<&str>) -> anyhow::Result<PrefCode> {
    if let Some(p) = asked {
        return parse(PrefCode::parse(p));
    }
    let mut prefs: Vec<PrefCode> = store
        .list_areas(None)
        .await?
        .into_iter()
        .map(|a| a.code.pref())
        .collect();
    prefs.sort();
    prefs.dedup();
    match prefs.as_slice() {
        [one] => Ok(*one),
        [] => Err(bad(
            "データベースに二次医療圏がありません。chiiki demo か chiiki init --reference で読み込んでください / the database has no areas: load them with chiiki demo or chiiki init --reference",
        )),
        _ => Err(bad(
            "複数の都道府県があります。--pref で指定してください / the database holds several prefectures: choose one with --pref",
        )),
    }
}

fn effort(quick: bool, seed: Option<u64>) -> Effort {
    let mut e = if quick {
        Effort::quick()
    } else {
        Effort::default()
    };
    if let Some(seed) = seed {
        e.limits.seed = seed;
    }
    e
}

fn label(text: Option<String>, default: String) -> anyhow::Result<Name> {
    parse(Name::parse(&text.unwrap_or(default)))
}

fn percent(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// The figures of a version, and its coverage by area for its first year, as text.
fn summary(v: &Version) -> String {
    let f = &v.figures;
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    let rows: Vec<(&str, String)> = vec![
        ("版 / version", format!("{} 「{}」", v.seq, v.label)),
        (
            "期間 / horizon",
            format!(
                "{}–{}年度 / FY{}–{}",
                v.input.first_year,
                v.input.fy(v.input.years.saturating_sub(1)),
                v.input.first_year,
                v.input.fy(v.input.years.saturating_sub(1))
            ),
        ),
        (
            "対象医師 / doctors",
            format!(
                "{}（計画 {} / planned, 計画不能 {} / unplanned; 対象外 {} / left out）",
                f.doctors, f.planned, f.unplanned, f.left_out
            ),
        ),
        ("勤務先 / sites", f.sites.to_string()),
        (
            "充足 / wanted posts filled",
            format!(
                "{} / {} 人年 / post-years ({})",
                f.posts_filled,
                f.posts_wanted,
                percent(f.fill_rate())
            ),
        ),
        (
            "指定勤務 / designated doctor-years",
            format!("{} / {}", f.designated_years, f.doctor_years),
        ),
        ("目的関数 / objective", format!("{:.2}", f.objective)),
        (
            "上界 / bound",
            f.bound.map_or("—".into(), |b| format!("{b:.2}")),
        ),
        (
            "最適性ギャップ / gap",
            match (f.gap, f.proven) {
                (_, true) => "0 %（最適と証明 / proven optimal）".into(),
                (Some(g), false) => percent(g),
                (None, false) => "—".into(),
            },
        ),
        ("規則違反 / rule violations", f.violations.to_string()),
        (
            "義務を満たさない / obligation not met",
            f.obligation_failures.to_string(),
        ),
        ("定員超過 / posts over capacity", f.overflow.to_string()),
        ("変更 / changes", f.changes.to_string()),
        ("計算時間 / seconds", format!("{:.1}", f.seconds)),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    let mut out = format!("{t}\n");
    // Coverage by area, every year.
    let mut c = comfy_table::Table::new();
    c.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    let mut header = vec!["二次医療圏 / area".to_string()];
    header.extend((0..v.input.years).map(|t| v.input.fy(t).to_string()));
    c.set_header(header);
    let cov = rt::area_coverage(v);
    let mut areas: Vec<(&str, &str)> = cov
        .iter()
        .map(|a| (a.area.as_str(), a.area_name.as_str()))
        .collect();
    areas.dedup();
    for (code, name) in areas {
        let mut row = vec![format!("{name} ({code})")];
        for a in cov.iter().filter(|a| a.area == code) {
            row.push(if a.wanted > 0 {
                format!("{}/{}", a.filled, a.wanted)
            } else {
                format!("({})", a.doctors)
            });
        }
        c.add_row(row);
    }
    out.push_str(
        "充足／必要（人）: 医師少数区域等の勤務先の必要数に対する計画 / filled of wanted posts at designated sites; (n): doctors planned where none are wanted\n",
    );
    out.push_str(&format!("{c}\n"));
    for u in &v.outcome.cannot {
        out.push_str(&format!("計画不能 / unplanned: {}\n", u.message));
    }
    for u in &v.outcome.obligation_failures {
        out.push_str(&format!("義務 / obligation: {}\n", u.message));
    }
    out
}

fn write_version(
    v: &Version,
    format: Option<OutputFormat>,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let bytes = match format.unwrap_or(OutputFormat::Table) {
        OutputFormat::Table => summary(v).into_bytes(),
        OutputFormat::Json => format!("{}\n", serde_json::to_string_pretty(v)?).into_bytes(),
        OutputFormat::Csv => {
            let sheets = rt::sheets(v, Lang::Ja);
            chiiki_tabular::sheet_to_csv(&sheets[0])?
        }
        OutputFormat::Xlsx => {
            binary_destination(output.as_deref())?;
            chiiki_tabular::sheets_to_xlsx(
                &format!("ローテーション計画 第{}版", v.seq),
                &rt::sheets(v, Lang::Ja),
            )?
        }
    };
    write_out(&bytes, output.as_deref())
}

fn next_fiscal_year() -> i32 {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    if today.month() >= 4 {
        today.year() + 1
    } else {
        today.year()
    }
}

pub(crate) async fn run(
    db: &str,
    format: Option<OutputFormat>,
    what: Option<RotateCommand>,
    plan: PlanArgs,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let store = store.as_ref();
    let who = cli_principal();
    match what.unwrap_or(RotateCommand::Plan(plan)) {
        RotateCommand::Plan(a) => {
            let pref = pref_of(store, a.pref.as_deref()).await?;
            let first = parse(FiscalYear::new(a.from.unwrap_or_else(next_fiscal_year)))?;
            let horizon = Horizon::new(first, a.years).map_err(rejected)?;
            let label = label(
                a.label,
                format!("{}年度から{}年の計画", first.year(), a.years),
            )?;
            eprintln!("計画中（最大1分ほど） / planning (up to about a minute)…");
            let v = rt::plan(store, &who, pref, horizon, label, effort(a.quick, a.seed))
                .await
                .map_err(rejected)?;
            let v = rt::version(store, &who, pref, v.seq)
                .await
                .map_err(rejected)?;
            write_version(&v, format, None)?;
            check_outcome(&v)
        }
        RotateCommand::List { pref } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let list = rt::versions(store, &who, pref).await.map_err(rejected)?;
            let bytes = match format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Json => {
                    format!("{}\n", serde_json::to_string_pretty(&list)?).into_bytes()
                }
                OutputFormat::Table => {
                    let mut t = comfy_table::Table::new();
                    t.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
                    t.set_header(vec![
                        "版 / seq",
                        "名称 / label",
                        "期間 / horizon",
                        "元 / parent",
                        "医師 / doctors",
                        "充足 / filled",
                        "ギャップ / gap",
                        "採用 / adopted",
                    ]);
                    for r in &list {
                        t.add_row(vec![
                            r.seq.to_string(),
                            r.label.clone(),
                            format!("{}+{}", r.first_year, r.years),
                            r.parent.map_or(String::new(), |p| p.to_string()),
                            format!("{}/{}", r.figures.planned, r.figures.doctors),
                            percent(r.figures.fill_rate()),
                            r.figures.gap.map_or("—".into(), percent),
                            if r.in_force {
                                "施行中 / in force".into()
                            } else if r.adoption.is_some() {
                                "採用済 / adopted".into()
                            } else {
                                String::new()
                            },
                        ]);
                    }
                    format!("{t}\n").into_bytes()
                }
                OutputFormat::Csv | OutputFormat::Xlsx => {
                    return Err(bad(
                        "版の一覧は table か json で出力します / the list of versions prints as table or json",
                    ));
                }
            };
            write_out(&bytes, None)
        }
        RotateCommand::Show { seq, pref, output } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let v = rt::version(store, &who, pref, seq)
                .await
                .map_err(rejected)?;
            write_version(&v, format, output)
        }
        RotateCommand::Replan {
            seq,
            pref,
            label: text,
            quick,
        } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let label = label(text, format!("第{seq}版の再計画"))?;
            let v = rt::replan(store, &who, pref, seq, label, effort(quick, None))
                .await
                .map_err(rejected)?;
            let v = rt::version(store, &who, pref, v.seq)
                .await
                .map_err(rejected)?;
            write_version(&v, format, None)?;
            if format.unwrap_or(OutputFormat::Table) == OutputFormat::Table {
                let name = |id: &Option<String>| {
                    id.as_ref()
                        .and_then(|id| v.input.sites.iter().find(|s| &s.id == id))
                        .map_or("—".to_string(), |s| s.name.clone())
                };
                let mut text = format!(
                    "第{seq}版からの変更 / changes from version {seq}: {}\n",
                    v.outcome.changes.len()
                );
                for c in &v.outcome.changes {
                    text.push_str(&format!(
                        "  {} {}年度: {} → {}\n",
                        v.input.doctors[c.doctor].id,
                        v.input.fy(c.year),
                        name(&c.before),
                        name(&c.after)
                    ));
                }
                write_out(text.as_bytes(), None)?;
            }
            check_outcome(&v)
        }
        RotateCommand::Adopt {
            seq,
            pref,
            rationale,
        } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let rationale = parse(Rationale::parse(&rationale))?;
            rt::adopt(store, &who, pref, seq, rationale)
                .await
                .map_err(rejected)?;
            write_out(
                format!("第{seq}版を採用しました / version {seq} adopted\n").as_bytes(),
                None,
            )
        }
        RotateCommand::Why { seq, doctor, pref } => {
            let pref = pref_of(store, pref.as_deref()).await?;
            let p = rt::doctor_plan(store, &who, pref, seq, &doctor)
                .await
                .map_err(rejected)?;
            let v = rt::version(store, &who, pref, seq)
                .await
                .map_err(rejected)?;
            let mut text = String::new();
            if format == Some(OutputFormat::Json) {
                text = format!("{}\n", serde_json::to_string_pretty(&p)?);
                return write_out(text.as_bytes(), None);
            }
            text.push_str(&format!(
                "{} {}（{}）: {}\n",
                p.doctor.id, p.doctor.name, p.doctor.scheme, p.programme.name
            ));
            for r in &p.programme.rules {
                text.push_str(&format!("  規則 / rule: {r}\n"));
            }
            for y in &p.years {
                let site = y
                    .site
                    .map_or("—".to_string(), |s| v.input.sites[s].name.clone());
                text.push_str(&format!("{}年度 / FY{}: {site}\n", y.year, y.year));
                for r in &y.reasons {
                    text.push_str(&format!("    {r}\n"));
                }
            }
            for c in &p.cannot {
                text.push_str(&format!("計画不能 / no plan: {}\n", c.message));
            }
            write_out(text.as_bytes(), None)?;
            Ok(())
        }
    }
}

/// A plan the checkers reject is an error of the system: say so with the exit code.
fn check_outcome(v: &Version) -> anyhow::Result<()> {
    let f = &v.figures;
    if f.violations > 0 || f.obligation_failures > 0 {
        anyhow::bail!(
            "計画が検証を通りません / the plan fails its checks: {} rule violation(s), {} obligation(s) not met",
            f.violations,
            f.obligation_failures
        );
    }
    Ok(())
}
