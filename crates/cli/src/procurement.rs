//! (being written)

use clap::Subcommand;

use crate::OutputFormat;

#[derive(Subcommand)]
pub(crate) enum Command {}

pub(crate) async fn run(
    _db: &str,
    _format: Option<OutputFormat>,
    what: Command,
) -> anyhow::Result<()> {
    match what {}
}
