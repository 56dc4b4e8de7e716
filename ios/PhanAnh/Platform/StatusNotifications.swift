import Foundation
import PhanAnhCore
import UserNotifications

/// Local notifications when a report's status changes; tapping one opens the report.
@MainActor
final class StatusNotifications {
    var enabled: Bool {
        get { UserDefaults.standard.object(forKey: "notifications") as? Bool ?? true }
        set { UserDefaults.standard.set(newValue, forKey: "notifications") }
    }

    func requestPermission() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
    }

    func notify(changed: [ReportRow]) {
        guard enabled else { return }
        for row in changed {
            guard let status = row.status else { continue }
            let content = UNMutableNotificationContent()
            content.title = tr("notification_status_title", row.id)
            content.body = statusText(status)
            content.userInfo = ["report": row.id]
            content.sound = .default
            // Same identifier per report: a newer status replaces the older notification.
            let request = UNNotificationRequest(identifier: "report-\(row.id)", content: content, trigger: nil)
            UNUserNotificationCenter.current().add(request)
        }
    }
}
