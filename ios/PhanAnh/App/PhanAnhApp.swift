import SwiftUI
import UIKit
import UserNotifications

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

/// Registers background tasks before launch completes (BGTaskScheduler requires it) and routes
/// taps on status notifications to the report.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        AppEnvironment.shared.background.register()
        AppEnvironment.shared.start()
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    nonisolated func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        if let id = response.notification.request.content.userInfo["report"] as? String {
            await MainActor.run { AppEnvironment.shared.openReportId = id }
        }
    }

    nonisolated func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        [.banner, .sound]
    }
}
