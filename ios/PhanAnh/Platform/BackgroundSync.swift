import BackgroundTasks
import Foundation
import PhanAnhCore

/// Background time for the core (BGTaskScheduler): a short app-refresh task to pull status
/// changes, and a longer processing task (network required) to deliver the outbox. Both call the
/// core's bounded `run_pending` with a deadline before the system's expiration, and cancel it
/// if the system expires the task early; the core stops cleanly at any step.
@MainActor
final class BackgroundSync {
    static let refreshID = "vn.phananh.sync.refresh"
    static let uploadID = "vn.phananh.sync.upload"

    private let core: () -> CoreService?
    private let notifier: StatusNotifications

    init(core: @escaping () -> CoreService?, notifier: StatusNotifications) {
        self.core = core
        self.notifier = notifier
    }

    /// Must run before the app finishes launching.
    func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.refreshID, using: nil) { task in
            Task { @MainActor in self.run(task, budget: 25) }
        }
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.uploadID, using: nil) { task in
            Task { @MainActor in self.run(task, budget: 5 * 60) }
        }
    }

    func schedule() {
        let refresh = BGAppRefreshTaskRequest(identifier: Self.refreshID)
        refresh.earliestBeginDate = Date(timeIntervalSinceNow: 30 * 60)
        try? BGTaskScheduler.shared.submit(refresh)

        let upload = BGProcessingTaskRequest(identifier: Self.uploadID)
        upload.requiresNetworkConnectivity = true
        upload.requiresExternalPower = false
        try? BGTaskScheduler.shared.submit(upload)
    }

    private func run(_ task: BGTask, budget: TimeInterval) {
        schedule() // the next one, whatever happens to this one
        guard let core = core() else { task.setTaskCompleted(success: false); return }
        let work = Task { @MainActor in
            do {
                let result = try await core.runPending(until: Date(timeIntervalSinceNow: budget))
                notifier.notify(changed: result.changed)
                task.setTaskCompleted(success: true)
            } catch {
                task.setTaskCompleted(success: false)
            }
        }
        task.expirationHandler = { work.cancel() }
    }
}
