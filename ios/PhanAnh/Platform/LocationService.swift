import CoreLocation
import Foundation
import PhanAnhCore

/// Device position for a report (CoreLocation). It only measures: the core chooses among fixes
/// (device, photo EXIF, pin), names the commune/ward and flags stale or far photos.
@MainActor
final class LocationService: NSObject, ObservableObject, CLLocationManagerDelegate {
    enum Status { case acquiring, fixed, unavailable, denied }

    @Published private(set) var status: Status = .acquiring
    @Published private(set) var fix: LocationFix?

    private let manager = CLLocationManager()
    private var timeoutTask: Task<Void, Never>?
    /// The tenant's location policy (from the core's config): how long to wait for a fix of
    /// `goodAccuracyM` before settling for the best worse one.
    private var policy: LocationPolicy?

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    /// Asks permission if needed, then one good fix (or the best within the tenant's
    /// `goodFixWaitS`).
    func refresh(policy: LocationPolicy) {
        self.policy = policy
        switch manager.authorizationStatus {
        case .notDetermined:
            manager.requestWhenInUseAuthorization()
        case .denied, .restricted:
            status = .denied
        default:
            status = .acquiring
            manager.startUpdatingLocation()
            timeoutTask?.cancel()
            let wait = UInt64(policy.goodFixWaitS) * 1_000_000_000
            timeoutTask = Task { [weak self] in
                try? await Task.sleep(nanoseconds: wait)
                await self?.stop(timedOut: true)
            }
        }
    }

    private func stop(timedOut: Bool) {
        manager.stopUpdatingLocation()
        if timedOut && fix == nil { status = .unavailable }
    }

    nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        Task { @MainActor in
            switch manager.authorizationStatus {
            case .authorizedWhenInUse, .authorizedAlways: if let p = self.policy { self.refresh(policy: p) }
            case .denied, .restricted: self.status = .denied
            default: break
            }
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let best = locations.filter({ $0.horizontalAccuracy >= 0 }).min(by: { $0.horizontalAccuracy < $1.horizontalAccuracy }) else { return }
        let fix = LocationFix(
            lat: best.coordinate.latitude,
            lon: best.coordinate.longitude,
            accuracyM: best.horizontalAccuracy,
            altitudeM: best.verticalAccuracy >= 0 ? best.altitude : nil,
            time: best.timestamp,
            source: .deviceGps
        )
        Task { @MainActor in
            self.fix = fix
            self.status = .fixed
            // Good enough for the tenant: stop to save battery.
            if best.horizontalAccuracy <= (self.policy?.goodAccuracyM ?? 30) { self.timeoutTask?.cancel(); self.stop(timedOut: false) }
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        Task { @MainActor in
            if (error as? CLError)?.code == .denied { self.status = .denied } else if self.fix == nil { self.status = .unavailable }
        }
    }
}
