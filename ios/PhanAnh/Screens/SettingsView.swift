import PhanAnhCore
import SwiftUI

struct SettingsView: View {
    let core: CoreService
    @Binding var path: [Route]
    @ObservedObject private var strings = Strings.shared
    @AppStorage("wifiOnlyVideo") private var wifiOnlyVideo = true
    @AppStorage("notifications") private var notifications = true
    @State private var error: Error?
    @State private var signedIn = false

    var body: some View {
        Form {
            if let error { ErrorBanner(error: error) }
            Section(tr("settings_language")) {
                // Each language named in itself, so a user who cannot read the current one finds theirs.
                Picker(tr("settings_language"), selection: Binding(get: { strings.language }, set: { strings.setLanguage($0) })) {
                    Text("Tiếng Việt").tag(AppLanguage.vi)
                    Text("English").tag(AppLanguage.en)
                }
                .pickerStyle(.inline)
                .labelsHidden()
            }
            Section {
                Toggle(isOn: $wifiOnlyVideo) {
                    VStack(alignment: .leading) {
                        Text(tr("settings_wifi_video"))
                        Text(tr("settings_wifi_video_hint")).font(.footnote).foregroundStyle(.secondary)
                    }
                }
                .frame(minHeight: minTouch)
                .onChange(of: wifiOnlyVideo) { on in Task { await core.setVideoWifiOnly(on) } }
                Toggle(isOn: $notifications) {
                    VStack(alignment: .leading) {
                        Text(tr("settings_notifications"))
                        Text(tr("settings_notifications_hint")).font(.footnote).foregroundStyle(.secondary)
                    }
                }
                .frame(minHeight: minTouch)
                .onChange(of: notifications) { on in
                    if on { Task { await AppEnvironment.shared.notifications.requestPermission() } }
                }
            }
            Section(tr("settings_account")) {
                if signedIn {
                    Text(tr("settings_signed_in_as", UserDefaults.standard.string(forKey: "maskedPhone") ?? ""))
                    Button(tr("settings_sign_out"), role: .destructive) {
                        Task {
                            do { try await core.signOut(); signedIn = false } catch { self.error = error }
                        }
                    }
                    .frame(minHeight: minTouch)
                } else {
                    Text(tr("settings_signed_out"))
                    Button(tr("login_title")) { path.append(.login) }.frame(minHeight: minTouch)
                }
            }
            Section(tr("settings_about")) {
                LabeledContent(tr("settings_tenant"), value: strings.language == .vi ? core.config.nameVi : core.config.nameEn)
                LabeledContent(tr("settings_version"), value: tr("settings_version_value",
                    Bundle.main.infoDictionary?["CFBundleShortVersionString"] as? String ?? "?", coreVersion()))
            }
        }
        .navigationTitle(tr("settings_title"))
        .onAppear { signedIn = core.isSignedIn }
    }
}
