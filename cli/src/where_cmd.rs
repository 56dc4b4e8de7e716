//! `phananh where LAT LON`: which commune/ward of the tenant a point is in, offline — for
//! support staff checking a report's position and for scripts.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;
use phananh_core::location::{address, Boundaries};

use crate::app::Global;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct WhereArgs {
    /// Latitude, decimal degrees (WGS84).
    pub lat: f64,
    /// Longitude, decimal degrees (WGS84).
    pub lon: f64,
    /// Accuracy radius of the position in metres: wards within it are listed as candidates.
    #[arg(long)]
    pub accuracy: Option<f64>,
    /// Directory with the tenant's `*province*.geojson` and `*wards*.geojson` (default: as
    /// for every command, `$PHANANH_BOUNDARIES`, else `../shared/data/boundaries`).
    #[arg(long)]
    pub boundaries: Option<PathBuf>,
    /// Print {inside_province, ward, candidates, address} as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, args: WhereArgs) -> anyhow::Result<()> {
    if !(args.lat.is_finite()
        && args.lat.abs() <= 90.0
        && args.lon.is_finite()
        && args.lon.abs() <= 180.0)
    {
        bail!(
            "{}, {} is not a WGS84 latitude, longitude",
            args.lat,
            args.lon
        );
    }
    if let Some(a) = args.accuracy.filter(|a| !(a.is_finite() && *a >= 0.0)) {
        bail!("accuracy must be a distance in metres, got {a}");
    }
    let dir = args
        .boundaries
        .or_else(|| g.boundaries_dir())
        .context("no boundaries to look in: pass --boundaries DIR or set PHANANH_BOUNDARIES")?;
    let boundaries = Boundaries::from_dir(&dir)
        .with_context(|| format!("loading boundaries from {}", dir.display()))?;
    let lookup = boundaries.lookup(args.lat, args.lon, args.accuracy);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lookup)?);
        return Ok(());
    }
    match (&lookup.address, &lookup.ward) {
        (Some(address), Some(w)) => println!("{address} (mã {})", w.code),
        (Some(address), None) => println!("{address} (không thuộc phường/xã nào; gần nhất ở dưới)"),
        (None, _) => println!(
            "{}",
            address::outside_line(&boundaries.province().full_name)
        ),
    }
    for c in lookup.candidates.iter().filter(|c| c.distance_m > 0.0) {
        println!(
            "  có thể: {} (mã {}), cách ranh giới {:.0} m",
            c.ward.full_name, c.ward.code, c.distance_m
        );
    }
    Ok(())
}
