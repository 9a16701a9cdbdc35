//! `ferry quote`: what uploading a file, a folder or standard input would cost now. Pays
//! nothing and needs no wallet: the quotes are asked for the zero address.

use std::sync::Arc;

use super::output::{JsonEvent, print_json_line, stdout_line};
use super::setup::{connect_vault, discover, is_stdin, payment_failure, spool_stdin};
use super::units::AmountFormat;
use super::{CliError, Context, QuoteArgs};
use crate::blocking::blocking;
use crate::client::bodies::{BODIES_IN_MEMORY, BodyPool};
use crate::client::nodes::{NodeClient, Timeouts};
use crate::client::quoting::{Estimate, QuoteContext, estimate_plan};
use crate::client::reporter::Silent;
use crate::client::upload::{Input, MAX_WAVE_SIZE, UploadOptions, check_file};
use crate::wire::network::{CLOSE_GROUP_SIZE, REPLICAS};
use crate::wire::types::Amount;

/// Chunks quoted at once.
const QUOTES_IN_FLIGHT: usize = 16;

/// A quote's figures, as `--json` and the human lines show them.
struct QuoteFigures {
    bytes: u64,
    estimate: Estimate,
    wave_size: usize,
    waves: usize,
    gas: Amount,
    /// How the network's amounts are written.
    amounts: AmountFormat,
}

/// `ferry quote FILE|DIR|-`: what uploading would cost now; pays nothing, needs no wallet.
pub async fn quote(context: &Context, args: QuoteArgs) -> Result<(), CliError> {
    let quoted = gather(context, &args).await?;
    let QuoteFigures {
        bytes,
        estimate,
        wave_size,
        waves,
        gas,
        amounts,
    } = &quoted;
    let gas_units = crate::vault::estimated_gas(estimate.payable_chunks, *waves);
    let full_wave = estimate.payable_chunks.min(*wave_size);
    let gas_per_wave = crate::vault::estimated_gas(full_wave, 1);
    if context.output.is_json() {
        print_json_line(&JsonEvent::Quote {
            file: args.file.display().to_string(),
            bytes: *bytes,
            chunks: estimate.chunks,
            payable_chunks: estimate.payable_chunks,
            already_stored: estimate.already_stored,
            unquoted_chunks: estimate.unquoted,
            waves: *waves,
            storage_cost_wei: estimate.storage_cost,
            estimated_gas_wei: *gas,
            estimated_gas: gas_units,
            gas_per_wave,
        });
        return Ok(());
    }
    let lines = [
        format!(
            "file:             {} ({})",
            args.file.display(),
            crate::sizes::format_size(*bytes)
        ),
        format!(
            "chunks:           {} ({} to pay, {} already stored)",
            estimate.chunks, estimate.payable_chunks, estimate.already_stored
        ),
        format!(
            "storage cost:     {}",
            amounts.format(estimate.storage_cost)
        ),
        format!(
            "estimated gas:    {} over {waves} transaction(s): {gas_units} gas, {gas_per_wave} gas a wave of {full_wave} chunks",
            amounts.format(*gas),
        ),
    ];
    lines.iter().for_each(|line| stdout_line(line));
    if estimate.unquoted > 0 {
        stdout_line(&format!(
            "warning: {} chunks got no majority of quotes; the network may be degraded",
            estimate.unquoted
        ));
    }
    Ok(())
}

/// Plans the input (standard input spooled first), asks the network for quotes and the chain
/// for the gas price.
async fn gather(context: &Context, args: &QuoteArgs) -> Result<QuoteFigures, CliError> {
    let stdin = is_stdin(&args.file);
    if !stdin {
        check_file(&args.file).map_err(|e| CliError::new(e.kind(), e))?;
    }
    let network = context.network(&args.network).await?;
    let vault = connect_vault(&network, None).await?;
    let client = NodeClient::new(Timeouts::default());
    let nodes = discover(&client, &network).await?;
    let threads = UploadOptions::new(args.file.clone(), context.data_dir.clone()).encrypt_threads;
    // Removed when the quote ends.
    let spooled = if stdin {
        Some(spool_stdin(context).await?)
    } else {
        None
    };
    let path = spooled
        .as_ref()
        .map_or_else(|| args.file.clone(), |s| s.path().to_owned());
    let data_dir = context.data_dir.clone();
    let input = blocking(move || Input::inspect(&path, &data_dir))
        .await
        .map_err(|e| CliError::new(e.kind(), e))?;
    let planned = input
        .encrypt(threads, Arc::new(Silent), None)
        .await
        .map_err(|e| CliError::new(e.kind(), e))?;
    let (plan, sources) = (planned.plan, Arc::new(planned.sources));
    let quoting = QuoteContext {
        client: &client,
        swarm: &nodes,
        close_group: CLOSE_GROUP_SIZE,
        replicas: REPLICAS,
        payer: alloy::primitives::Address::ZERO,
        sources: &sources,
        bodies: &BodyPool::new(BODIES_IN_MEMORY),
    };
    let estimate = estimate_plan(&quoting, &plan.chunks, QUOTES_IN_FLIGHT).await;
    let wave_size = args
        .wave_size
        .or(context.config.wave_size)
        .map_or(MAX_WAVE_SIZE, usize::from);
    let waves = estimate.payable_chunks.div_ceil(wave_size);
    let gas = vault
        .estimate_gas_cost(estimate.payable_chunks, waves)
        .await
        .map_err(payment_failure)?;
    Ok(QuoteFigures {
        bytes: plan.file_size,
        estimate,
        wave_size,
        waves,
        gas,
        amounts: context.amounts(Some(&network)),
    })
}
