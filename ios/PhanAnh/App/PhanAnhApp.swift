import SwiftUI
import UIKit
import UserNotifications
import os

@main
struct PhanAnhApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var env = AppEnvironment.shared
    @StateObject private var strings = Strings.shared
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(env)
                .environmentObject(strings)
                .environment(\.locale, strings.language.locale)
                .onOpenURL { url in
                    if url.scheme == "phananh", url.host == "report" { env.openReportId = url.lastPathComponent }
                }
        }
        .onChange(of: phase) { newPhase in
            if newPhase == .background { env.background.schedule() }
            // Back in the foreground: the core refreshes the province's config if a day has passed.
            if newPhase == .active { Task { await env.core?.refreshTenantIfDue() } }
        }
    }
}

/// Registers background tasks before launch completes (BGTaskScheduler requires it), registers
/// for remote notifications (the APNs token goes to the core), hands pushes to the core, and
/// routes taps on status notifications to the report.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        AppEnvironment.shared.background.register()
        AppEnvironment.shared.start()
        UNUserNotificationCenter.current().delegate = self
        // The token needs no permission (showing the alerts does: StatusNotifications).
        application.registerForRemoteNotifications()
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        AppEnvironment.shared.pushTokenReceived(deviceToken.map { String(format: "%02x", $0) }.joined())
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // No APNs here (simulator, no network, no entitlement): status changes still come with each sync.
        Logger(subsystem: "vn.phananh.app", category: "push").notice("no APNs token: \(error.localizedDescription, privacy: .public)")
    }

    /// A push the system hands to the app (with `content-available`, in the foreground or background).
    func application(_ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any]) async -> UIBackgroundFetchResult {
        await AppEnvironment.shared.pushReceived(pushData(userInfo)) == nil ? .noData : .newData
    }

    nonisolated func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        let request = response.notification.request
        if let id = request.content.userInfo["report"] as? String {
            await MainActor.run { AppEnvironment.shared.openReportId = id }
        } else if request.trigger is UNPushNotificationTrigger {
            // A status push tapped while the app was in the background: applied, then opened.
            let data = pushData(request.content.userInfo)
            await Task { @MainActor in
                if case .report(let report)? = await AppEnvironment.shared.pushReceived(data) {
                    AppEnvironment.shared.openReportId = report.id
                }
            }.value
        }
    }

    nonisolated func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        // A status push while the app is open: the core applies it now and the screens follow.
        if notification.request.trigger is UNPushNotificationTrigger {
            let data = pushData(notification.request.content.userInfo)
            await Task { @MainActor in _ = await AppEnvironment.shared.pushReceived(data) }.value
        }
        return [.banner, .sound]
    }
}

/// A push's own keys as strings (the core reads those; `aps` is the system's).
func pushData(_ userInfo: [AnyHashable: Any]) -> [String: String] {
    var data: [String: String] = [:]
    for (key, value) in userInfo {
        if let key = key as? String, key != "aps", let value = value as? String { data[key] = value }
    }
    return data
}
