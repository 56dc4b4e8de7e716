//! Choosing the one position a report carries, and the warnings the UI shows about it.
//! The whole policy lives here, driven by the tenant's [`LocationPolicy`]:
//!
//! 1. A manual pin always wins (the newest, if several).
//! 2. Else a photo taken earlier (older than `max_fix_age_s`) wins: the problem is where the
//!    photo was taken, not where the resident is sending from.
//! 3. Else the best fresh fix (device GPS/network, or a photo just taken): the newest one of
//!    `good_accuracy_m` or better, otherwise the most accurate one.
//! 4. Else the newest stale device fix, never silently: it carries [`LocationWarning::StaleFix`].
//!
//! Fixes with impossible coordinates (NaN, out of range, exactly 0,0) are ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::geodesy::fix_distance_m;
use crate::config::LocationPolicy;
use crate::model::{LocationFix, LocationSource};

/// Something about the chosen position the resident should confirm. Stable tags for shells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LocationWarning {
    /// A photo was taken this far from where the device (or the pin) says the report is.
    PhotoFar { distance_m: f64 },
    /// The oldest photo with a position was taken this many days ago.
    PhotoStale { age_days: u32 },
    /// No fresh fix: the position used is this old.
    StaleFix { age_s: u64 },
    /// The position used is this uncertain.
    PoorAccuracy { accuracy_m: f64 },
    /// The position is outside the tenant's province.
    OutsideProvince,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixChoice {
    pub fix: Option<LocationFix>,
    pub warnings: Vec<LocationWarning>,
    /// The device fix is not yet good and the wait allowed by the policy is not over: the
    /// shell should keep listening and ask again.
    pub keep_waiting: bool,
}

pub fn is_plausible(f: &LocationFix) -> bool {
    f.lat.is_finite()
        && f.lon.is_finite()
        && f.lat.abs() <= 90.0
        && f.lon.abs() <= 180.0
        && !(f.lat == 0.0 && f.lon == 0.0)
        && f.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
}

fn age_s(f: &LocationFix, now: DateTime<Utc>) -> u64 {
    (now - f.time).num_seconds().max(0) as u64
}

fn is_device(f: &LocationFix) -> bool {
    matches!(
        f.source,
        LocationSource::DeviceGps | LocationSource::Network
    )
}

/// Unknown accuracy ranks below any known one.
fn accuracy_rank(f: &LocationFix) -> f64 {
    f.accuracy_m.unwrap_or(f64::INFINITY)
}

/// [`LocationWarning::PhotoStale`] if the oldest of these capture times is at least
/// `stale_photo_days` whole days old. Also used for photos that carry no position.
pub fn stale_photo(
    capture_times: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &LocationPolicy,
) -> Option<LocationWarning> {
    let oldest = capture_times.into_iter().min()?;
    let days = (now - oldest).num_seconds().max(0) as u64 / 86_400;
    (days > 0 && days >= policy.stale_photo_days as u64).then_some(LocationWarning::PhotoStale {
        age_days: days as u32,
    })
}

pub fn choose_fix(fixes: &[LocationFix], now: DateTime<Utc>, policy: &LocationPolicy) -> FixChoice {
    let valid: Vec<&LocationFix> = fixes.iter().filter(|f| is_plausible(f)).collect();
    let max_age = policy.max_fix_age_s as u64;
    let fresh = |f: &&LocationFix| age_s(f, now) <= max_age;
    let newest = |a: &&&LocationFix, b: &&&LocationFix| a.time.cmp(&b.time);

    let manual = valid
        .iter()
        .filter(|f| f.source == LocationSource::Manual)
        .max_by(newest);
    let photos: Vec<&LocationFix> = valid
        .iter()
        .copied()
        .filter(|f| f.source == LocationSource::PhotoExif)
        .collect();
    let latest_photo = photos.iter().max_by(newest);
    let pool: Vec<&LocationFix> = valid
        .iter()
        .copied()
        .filter(|f| f.source != LocationSource::Manual)
        .filter(fresh)
        .collect();
    let best_fresh = pool
        .iter()
        .filter(|f| accuracy_rank(f) <= policy.good_accuracy_m)
        .max_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then(accuracy_rank(b).total_cmp(&accuracy_rank(a)))
        })
        .or_else(|| {
            pool.iter().min_by(|a, b| {
                accuracy_rank(a)
                    .total_cmp(&accuracy_rank(b))
                    .then(b.time.cmp(&a.time))
            })
        });

    let mut warnings = Vec::new();
    let chosen: Option<&LocationFix> = if let Some(m) = manual {
        Some(m)
    } else if let Some(p) = latest_photo.filter(|p| !fresh(p)) {
        Some(p)
    } else if let Some(f) = best_fresh {
        Some(f)
    } else if let Some(d) = valid.iter().filter(|f| is_device(f)).max_by(newest) {
        warnings.push(LocationWarning::StaleFix {
            age_s: age_s(d, now),
        });
        Some(d)
    } else {
        None
    };
    let Some(chosen) = chosen else {
        return FixChoice {
            fix: None,
            warnings,
            keep_waiting: false,
        };
    };

    // Photos far from where the report says it is: compare with the chosen position, or,
    // when a photo is the chosen position, with the best fresh device fix.
    let reference = if chosen.source == LocationSource::PhotoExif {
        pool.iter()
            .copied()
            .filter(|f| is_device(f))
            .min_by(|a, b| accuracy_rank(a).total_cmp(&accuracy_rank(b)))
    } else {
        Some(chosen)
    };
    if let Some(r) = reference {
        let far = photos
            .iter()
            .map(|p| fix_distance_m(p, r))
            .fold(0.0_f64, f64::max);
        if far > policy.far_photo_m {
            warnings.push(LocationWarning::PhotoFar {
                distance_m: far.round(),
            });
        }
    }
    warnings.extend(stale_photo(photos.iter().map(|p| p.time), now, policy));
    if let Some(a) = chosen.accuracy_m.filter(|a| *a > policy.poor_accuracy_m) {
        warnings.push(LocationWarning::PoorAccuracy { accuracy_m: a });
    }
    let good = accuracy_rank(chosen) <= policy.good_accuracy_m;
    let listening_since = pool
        .iter()
        .filter(|f| is_device(f))
        .map(|f| age_s(f, now))
        .max();
    let keep_waiting = is_device(chosen)
        && age_s(chosen, now) <= max_age
        && !good
        && listening_since.is_some_and(|s| s < policy.good_fix_wait_s as u64);
    FixChoice {
        fix: Some(chosen.clone()),
        warnings,
        keep_waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        "2026-11-26T01:00:00Z".parse().unwrap()
    }

    fn fix(
        source: LocationSource,
        lat: f64,
        lon: f64,
        acc: Option<f64>,
        age_s: i64,
    ) -> LocationFix {
        LocationFix {
            lat,
            lon,
            accuracy_m: acc,
            altitude_m: None,
            time: now() - Duration::seconds(age_s),
            source,
        }
    }

    use LocationSource::*;
    const THANH_SEN: (f64, f64) = (18.342, 105.9057);

    fn p() -> LocationPolicy {
        LocationPolicy::default()
    }

    #[test]
    fn newest_good_device_fix_wins_over_older_better_one() {
        let fixes = [
            fix(DeviceGps, 18.34, 105.90, Some(5.0), 60),
            fix(DeviceGps, 18.341, 105.901, Some(20.0), 2),
            fix(Network, 18.35, 105.91, Some(800.0), 1),
        ];
        let c = choose_fix(&fixes, now(), &p());
        assert_eq!(c.fix.as_ref(), Some(&fixes[1]));
        assert!(c.warnings.is_empty());
        assert!(!c.keep_waiting);
    }

    #[test]
    fn without_a_good_fix_the_most_accurate_is_used_and_the_shell_waits_for_better() {
        let fixes = [
            fix(Network, 18.35, 105.91, Some(400.0), 3),
            fix(DeviceGps, 18.34, 105.90, Some(60.0), 1),
        ];
        let c = choose_fix(&fixes, now(), &p());
        assert_eq!(c.fix.as_ref(), Some(&fixes[1]));
        assert!(c.keep_waiting, "listening for 3 s of 20");
        // After the wait, the same fix is accepted.
        let fixes = [
            fix(Network, 18.35, 105.91, Some(400.0), 25),
            fix(DeviceGps, 18.34, 105.90, Some(60.0), 1),
        ];
        let c = choose_fix(&fixes, now(), &p());
        assert_eq!(c.fix.as_ref(), Some(&fixes[1]));
        assert!(!c.keep_waiting);
        assert!(c.warnings.is_empty(), "60 m is not poor: {:?}", c.warnings);
    }

    #[test]
    fn poor_accuracy_is_flagged() {
        let c = choose_fix(&[fix(Network, 18.35, 105.91, Some(900.0), 30)], now(), &p());
        assert_eq!(
            c.warnings,
            vec![LocationWarning::PoorAccuracy { accuracy_m: 900.0 }]
        );
    }

    #[test]
    fn a_stale_fix_is_never_used_silently() {
        let c = choose_fix(
            &[fix(DeviceGps, 18.34, 105.90, Some(5.0), 3600)],
            now(),
            &p(),
        );
        assert!(c.fix.is_some());
        assert_eq!(c.warnings, vec![LocationWarning::StaleFix { age_s: 3600 }]);
        assert!(!c.keep_waiting);
    }

    #[test]
    fn an_earlier_photo_wins_and_is_flagged_when_far_and_old() {
        let device = fix(DeviceGps, 18.6796, 105.6813, Some(8.0), 1); // in Vinh, sending
        let photo = fix(PhotoExif, THANH_SEN.0, THANH_SEN.1, None, 5 * 86_400); // taken in Thành Sen
        let c = choose_fix(&[device, photo.clone()], now(), &p());
        assert_eq!(c.fix, Some(photo));
        assert!(
            matches!(c.warnings[0], LocationWarning::PhotoFar { distance_m } if (40_000.0..50_000.0).contains(&distance_m))
        );
        assert_eq!(c.warnings[1], LocationWarning::PhotoStale { age_days: 5 });
        assert_eq!(c.warnings.len(), 2);
    }

    #[test]
    fn a_photo_just_taken_competes_with_the_device_fix_on_accuracy() {
        let device = fix(DeviceGps, 18.3421, 105.9058, Some(6.0), 1);
        let photo = fix(PhotoExif, THANH_SEN.0, THANH_SEN.1, None, 10);
        let c = choose_fix(&[photo.clone(), device.clone()], now(), &p());
        assert_eq!(c.fix, Some(device), "known 6 m beats unknown accuracy");
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let c = choose_fix(&[photo.clone()], now(), &p());
        assert_eq!(c.fix, Some(photo));
    }

    #[test]
    fn a_near_photo_is_not_flagged() {
        let device = fix(DeviceGps, 18.3430, 105.9057, Some(6.0), 1); // ~110 m north
        let photo = fix(PhotoExif, THANH_SEN.0, THANH_SEN.1, None, 3600);
        let c = choose_fix(&[device, photo], now(), &p());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn manual_pin_wins_and_photos_far_from_it_are_flagged() {
        let pin = fix(Manual, 18.6796, 105.6813, None, 600);
        let photo = fix(PhotoExif, THANH_SEN.0, THANH_SEN.1, None, 3600);
        let device = fix(DeviceGps, THANH_SEN.0, THANH_SEN.1, Some(3.0), 0);
        let c = choose_fix(&[device, photo, pin.clone()], now(), &p());
        assert_eq!(c.fix, Some(pin));
        assert!(matches!(
            c.warnings.as_slice(),
            [LocationWarning::PhotoFar { .. }]
        ));
        assert!(!c.keep_waiting);
    }

    #[test]
    fn impossible_fixes_are_ignored() {
        let bad = [
            fix(DeviceGps, f64::NAN, 105.0, Some(5.0), 1),
            fix(DeviceGps, 0.0, 0.0, Some(5.0), 1),
            fix(DeviceGps, 95.0, 105.0, Some(5.0), 1),
            fix(DeviceGps, 18.0, 105.0, Some(-1.0), 1),
            fix(Manual, 18.0, 200.0, None, 1),
        ];
        let c = choose_fix(&bad, now(), &p());
        assert_eq!(
            c,
            FixChoice {
                fix: None,
                warnings: vec![],
                keep_waiting: false
            }
        );
        let good = fix(Network, 18.3, 105.9, Some(50.0), 100);
        let mut all = bad.to_vec();
        all.push(good.clone());
        assert_eq!(choose_fix(&all, now(), &p()).fix, Some(good));
    }

    #[test]
    fn photo_staleness_counts_whole_days_from_the_oldest() {
        let policy = p();
        let days = |d: i64| now() - Duration::hours(d);
        assert_eq!(stale_photo([days(71), days(1)], now(), &policy), None);
        assert_eq!(
            stale_photo([days(1), days(73)], now(), &policy),
            Some(LocationWarning::PhotoStale { age_days: 3 })
        );
        assert_eq!(stale_photo([], now(), &policy), None);
        let zero = LocationPolicy {
            stale_photo_days: 0,
            ..p()
        }; // anything a day old or more
        assert_eq!(stale_photo([days(5)], now(), &zero), None);
        assert_eq!(
            stale_photo([days(25)], now(), &zero),
            Some(LocationWarning::PhotoStale { age_days: 1 })
        );
    }

    #[test]
    fn a_fix_from_the_future_counts_as_fresh() {
        let f = fix(DeviceGps, 18.3, 105.9, Some(5.0), -120);
        let c = choose_fix(std::slice::from_ref(&f), now(), &p());
        assert_eq!(c.fix, Some(f));
        assert!(c.warnings.is_empty());
    }

    fn any_fix() -> impl Strategy<Value = LocationFix> {
        (
            prop_oneof![
                Just(DeviceGps),
                Just(Network),
                Just(PhotoExif),
                Just(Manual)
            ],
            17.9f64..18.8,
            105.1f64..106.5,
            prop::option::of(0.0f64..2000.0),
            -60i64..10 * 86_400,
        )
            .prop_map(|(s, lat, lon, acc, age)| fix(s, lat, lon, acc, age))
    }

    proptest! {
        #[test]
        fn policy_invariants(fixes in prop::collection::vec(any_fix(), 0..8)) {
            let policy = p();
            let c = choose_fix(&fixes, now(), &policy);
            match &c.fix {
                None => prop_assert!(fixes.is_empty()),
                Some(chosen) => {
                    prop_assert!(fixes.contains(chosen));
                    // A manual pin always wins.
                    if let Some(newest_pin) = fixes.iter().filter(|f| f.source == Manual).max_by_key(|f| f.time) {
                        prop_assert_eq!(chosen.time, newest_pin.time);
                        prop_assert_eq!(chosen.source, Manual);
                    }
                    // Never a stale device fix without saying so.
                    let stale = age_s(chosen, now()) > policy.max_fix_age_s as u64;
                    let flagged = c.warnings.iter().any(|w| matches!(w, LocationWarning::StaleFix { .. }));
                    prop_assert_eq!(stale && is_device(chosen), flagged);
                    // Poor accuracy is flagged exactly when it is poor.
                    let poor = chosen.accuracy_m.is_some_and(|a| a > policy.poor_accuracy_m);
                    let flagged = c.warnings.iter().any(|w| matches!(w, LocationWarning::PoorAccuracy { .. }));
                    prop_assert_eq!(poor, flagged);
                    // A fresh fix is preferred to a stale device fix.
                    if is_device(chosen) && stale {
                        prop_assert!(fixes.iter().all(|f| f.source != Manual && f.source != PhotoExif && age_s(f, now()) > policy.max_fix_age_s as u64));
                    }
                    prop_assert!(!(c.keep_waiting && chosen.accuracy_m.is_some_and(|a| a <= policy.good_accuracy_m)));
                }
            }
        }
    }
}
