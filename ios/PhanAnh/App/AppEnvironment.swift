import Foundation
import PhanAnhCore

/// What the app holds for its lifetime: the one core client with the platform services plugged
/// in, and the platform helpers. If the core cannot open its storage (damaged or newer
/// database) `startupError` says why and nothing is deleted.
@MainActor
final class AppEnvironment: ObservableObject {
    static let shared = AppEnvironment()

    let strings = Strings.shared
    let notifications = StatusNotifications()
    let location = LocationService()
    private let connectivity = Connectivity()
    @Published private(set) var core: CoreService?
    /// The core is opening its storage (a moment at start; never on the main thread).
    @Published private(set) var opening = true
    @Published private(set) var startupError: Error?
    @Published var openReportId: String?
    /// What the latest push changed: the screens showing that report (or the notices) follow.
    @Published private(set) var lastPush: PushEffect?
    /// The APNs token when it arrives before the core is open.
    private var pendingPushToken: String?
    lazy var background = BackgroundSync(core: { [weak self] in self?.core }, notifier: notifications)

    private init() {
        setLogSink(sink: OSLogSink(), maxLevel: .info)
        Task { await open() }
    }

    private func open() async {
        defer { opening = false }
        do {
            let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            var dir = support.appendingPathComponent("core", isDirectory: true)
            let baseURL = ProcessInfo.processInfo.environment["PHANANH_API_BASE_URL"]
            // The tenant's boundaries (GeoJSON) ship in the bundle for the offline ward lookup.
            let boundaries = Bundle.main.url(forResource: "boundaries", withExtension: nil)
            let service = try await CoreService(storageDir: dir, baseURL: baseURL, boundariesDir: boundaries)
            // Drafts and the outbox belong to this device: not in iCloud backups.
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try? dir.setResourceValues(values)
            let wifiOnly = UserDefaults.standard.object(forKey: "wifiOnlyVideo") as? Bool ?? true
            await service.setVideoWifiOnly(wifiOnly)
            core = service
            if let token = pendingPushToken {
                pendingPushToken = nil
                Task { await service.setPushToken(token) }
            }
            // The province's config and boundaries (the core asks at most once a day); new
            // categories, limits and location policy apply from then on.
            Task { await service.refreshTenantIfDue() }
        } catch {
            startupError = error
        }
    }

    func start() {
        connectivity.start { online, metered in
            Task { @MainActor in
                let env = AppEnvironment.shared
                env.core?.setConnectivity(online: online, metered: metered)
                // Back online: a push token handed over offline goes to the server.
                if online { await env.core?.registerPendingPushToken() }
            }
        }
        background.schedule()
    }

    /// The APNs device token (hex) from the app delegate, handed to the core once it is open.
    func pushTokenReceived(_ hex: String) {
        guard let core else { pendingPushToken = hex; return }
        Task { await core.setPushToken(hex) }
    }

    /// A push's data: the core applies it as a sync would; `lastPush` tells the screens. Nil
    /// when the core refused it (not this account's report, unreadable) or is not open yet:
    /// then nothing changed, and the next sync brings any real change.
    @discardableResult
    func pushReceived(_ data: [String: String]) async -> PushEffect? {
        guard let core, let effect = try? await core.handlePush(data) else { return nil }
        lastPush = effect
        return effect
    }
}
