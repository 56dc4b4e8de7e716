//! Ward lookup benchmark: index build time, memory, and time per lookup over random points in
//! the province's bounding box, beside two anchors measured in the same run on the same
//! points: a scan of every ward with geo's `Contains`, and an R-tree bounding-box prefilter
//! followed by geo's `Contains` (the straightforward rstar + geo design).
//!
//! Run with `bash bench/location.sh` (release build). Prints one line per figure and a JSON
//! summary as the last line.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use geo::{BoundingRect, Contains, MultiPolygon, Point};
use phananh_core::location::geojson::parse_areas;
use phananh_core::location::Boundaries;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

/// Counts live heap bytes, so the index's memory is measured, not estimated.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grow(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        grow(new);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// xorshift64*: reproducible points without a dependency.
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Median and p99 of the mean time per call, in µs, over batches of `batch` calls.
fn time_per_call<T>(
    points: &[(f64, f64)],
    batch: usize,
    mut f: impl FnMut(f64, f64) -> T,
) -> (f64, f64) {
    let mut per_call = Vec::new();
    for chunk in points.chunks(batch) {
        let t = Instant::now();
        for &(lat, lon) in chunk {
            std::hint::black_box(f(std::hint::black_box(lat), std::hint::black_box(lon)));
        }
        per_call.push(t.elapsed().as_secs_f64() * 1e6 / chunk.len() as f64);
    }
    (
        median(&mut per_call.clone()),
        percentile(&mut per_call, 0.99),
    )
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| "../shared/data/boundaries".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(400_000);
    let anchor_n = 4_000.min(n);
    println!("boundaries: {}", dir.display());

    // Build: parse + prepare + index. The first load also gives the process-level figures
    // (RSS growth, peak heap while parsing); the timed ones run with the files in page cache.
    let (heap0, rss0) = (LIVE.load(Ordering::Relaxed), rss_kib().unwrap_or(0));
    PEAK.store(heap0, Ordering::Relaxed);
    let first = Boundaries::from_dir(&dir).expect("boundaries load");
    let peak_build = PEAK.load(Ordering::Relaxed) - heap0;
    let rss_delta = rss_kib().unwrap_or(0) as i64 - rss0 as i64;
    drop(first);
    let mut build_ms = Vec::new();
    let mut heap_bytes = 0usize;
    let mut boundaries = None;
    for _ in 0..5 {
        drop(boundaries.take());
        let heap0 = LIVE.load(Ordering::Relaxed);
        let t = Instant::now();
        let b = Boundaries::from_dir(&dir).expect("boundaries load");
        build_ms.push(t.elapsed().as_secs_f64() * 1e3);
        heap_bytes = LIVE.load(Ordering::Relaxed) - heap0;
        boundaries = Some(b);
    }
    let b = boundaries.unwrap();
    let build_ms = median(&mut build_ms);
    let geojson_bytes: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".geojson") && !n.contains("raw")
        })
        .map(|e| e.metadata().unwrap().len())
        .sum();
    println!("wards: {}", b.wards().len());
    println!("build (read + parse + prepare + index), median of 5: {build_ms:.1} ms from {:.1} MB of GeoJSON", geojson_bytes as f64 / 1e6);
    println!("memory of the loaded boundaries: {:.2} MiB live heap (allocator count), {:.2} MiB by structure sizes",
        heap_bytes as f64 / 1048576.0, b.heap_bytes() as f64 / 1048576.0);
    println!("memory while loading: peak heap {:.1} MiB (GeoJSON parse), process RSS grew {:.1} MiB on the first load",
        peak_build as f64 / 1048576.0, rss_delta as f64 / 1024.0);

    // Points: uniform in the province outline's bounding box.
    let province_src = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("province"))
        .unwrap();
    let province = parse_areas(std::fs::read(&province_src).unwrap(), "province").unwrap();
    let bbox = province[0].area.bounding_rect().unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let points: Vec<(f64, f64)> = (0..n)
        .map(|_| {
            (
                bbox.min().y + rng.next_f64() * bbox.height(),
                bbox.min().x + rng.next_f64() * bbox.width(),
            )
        })
        .collect();
    let inside = points
        .iter()
        .filter(|p| b.ward_at(p.0, p.1).is_some())
        .count();
    println!(
        "points: {n} uniform in the bbox {:.4},{:.4} – {:.4},{:.4}; {:.1} % fall in a ward",
        bbox.min().y,
        bbox.min().x,
        bbox.max().y,
        bbox.max().x,
        100.0 * inside as f64 / n as f64
    );

    // Anchors on the first `anchor_n` points.
    let wards: Vec<(String, MultiPolygon<f64>)> = parse_areas(
        std::fs::read(
            std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    let s = p.to_string_lossy();
                    s.contains("wards") && !s.contains("raw")
                })
                .unwrap(),
        )
        .unwrap(),
        "wards",
    )
    .unwrap()
    .into_iter()
    .map(|f| (f.text("code").unwrap(), f.area))
    .collect();
    let tree = RTree::bulk_load(
        wards
            .iter()
            .enumerate()
            .map(|(i, (_, a))| {
                let r = a.bounding_rect().unwrap();
                GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                )
            })
            .collect(),
    );
    let anchor_points = &points[..anchor_n];
    let scan = |lat: f64, lon: f64| {
        wards
            .iter()
            .position(|(_, a)| a.contains(&Point::new(lon, lat)))
    };
    let rtree_geo = |lat: f64, lon: f64| {
        tree.locate_all_at_point(&[lon, lat])
            .find(|c| wards[c.data].1.contains(&Point::new(lon, lat)))
            .map(|c| c.data)
    };
    let mismatches = anchor_points
        .iter()
        .filter(|p| {
            scan(p.0, p.1).map(|i| wards[i].0.as_str())
                != b.ward_at(p.0, p.1).map(|w| w.code.as_str())
        })
        .count();
    println!(
        "agreement with the geo scan on {anchor_n} points: {} mismatches",
        mismatches
    );

    let (scan_med, scan_p99) = time_per_call(anchor_points, 100, scan);
    let (rg_med, rg_p99) = time_per_call(anchor_points, 100, rtree_geo);
    let (fast_med, fast_p99) =
        time_per_call(&points, 1000, |lat, lon| b.ward_at(lat, lon).is_some());
    let (fast_a_med, _) =
        time_per_call(anchor_points, 100, |lat, lon| b.ward_at(lat, lon).is_some());
    let (full_med, full_p99) = time_per_call(&points, 1000, |lat, lon| b.lookup(lat, lon, None));
    let (acc_med, acc_p99) =
        time_per_call(&points, 1000, |lat, lon| b.lookup(lat, lon, Some(50.0)));
    println!("anchor  scan 69 wards with geo::Contains:      median {scan_med:9.3} µs/lookup (p99 of batches {scan_p99:.3})");
    println!("anchor  rstar bbox + geo::Contains:            median {rg_med:9.3} µs/lookup (p99 of batches {rg_p99:.3})");
    println!("ours    ward_at (rstar bbox + per-ward grid):  median {fast_med:9.3} µs/lookup (p99 of batches {fast_p99:.3}); on the anchor points {fast_a_med:.3}");
    println!("ours    lookup() no accuracy (names, address): median {full_med:9.3} µs/lookup (p99 of batches {full_p99:.3})");
    println!("ours    lookup() accuracy 50 m (+candidates):  median {acc_med:9.3} µs/lookup (p99 of batches {acc_p99:.3})");
    println!(
        "speed-up of ward_at: {:.0}x vs scan, {:.0}x vs rstar+geo",
        scan_med / fast_a_med,
        rg_med / fast_a_med
    );
    println!(
        "{{\"bench\":\"location\",\"wards\":{},\"points\":{n},\"build_ms\":{build_ms:.2},\"heap_mib\":{:.3},\"peak_load_mib\":{:.1},\"ward_at_median_us\":{fast_med:.4},\"lookup_median_us\":{full_med:.4},\"lookup_acc50_median_us\":{acc_med:.4},\"anchor_scan_median_us\":{scan_med:.3},\"anchor_rstar_geo_median_us\":{rg_med:.3},\"mismatches\":{mismatches}}}",
        b.wards().len(),
        heap_bytes as f64 / 1048576.0,
        peak_build as f64 / 1048576.0
    );
    assert_eq!(mismatches, 0, "the fast lookup disagrees with geo");
}
