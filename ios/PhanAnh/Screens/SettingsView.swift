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
    @State private var busy = false
    @State private var unsentAtSignOut = 0
    @State private var confirmSignOut = false
    @State private var confirmDelete = false
    @State private var exported: DataExportSummary?
    @State private var exportError: Error?
    @State private var deleteError: Error?

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
                        // Ask first, saying what stays unsent for this account.
                        Task {
                            unsentAtSignOut = await core.unsentCount()
                            confirmSignOut = true
                        }
                    }
                    .frame(minHeight: minTouch)
                    .disabled(busy)
                } else {
                    Text(tr("settings_signed_out"))
                    Button(tr("login_title")) { path.append(.login) }.frame(minHeight: minTouch)
                }
            }
            if signedIn {
                Section {
                    Button(tr("settings_export")) { export() }
                        .frame(minHeight: minTouch)
                        .disabled(busy)
                    Text(tr("settings_export_hint")).font(.footnote).foregroundStyle(.secondary)
                    if busy {
                        HStack { ProgressView(); Text(tr("settings_busy")) }
                    }
                    if let exported {
                        Text(tr("settings_export_done", exported.path, Int(exported.reports), Int(exported.mediaFiles)))
                        if exported.mediaMissing > 0 {
                            Text(tr("settings_export_missing", Int(exported.mediaMissing))).foregroundStyle(.red)
                        }
                        // The folder as it is: Files saves it whole; other apps get its files.
                        ShareLink(item: URL(fileURLWithPath: exported.path, isDirectory: true)) {
                            Text(tr("settings_export_share"))
                        }
                        .frame(minHeight: minTouch)
                    }
                    if let exportError {
                        Text(exportErrorText(exportError)).foregroundStyle(.red)
                    }
                    Button(tr("settings_delete"), role: .destructive) {
                        deleteError = nil
                        confirmDelete = true
                    }
                    .frame(minHeight: minTouch)
                    .disabled(busy)
                    if let deleteError {
                        Text(deleteErrorText(deleteError)).foregroundStyle(.red)
                    }
                }
            }
            Section(tr("settings_about")) {
                LabeledContent(tr("settings_tenant"), value: strings.language == .vi ? core.config.nameVi : core.config.nameEn)
                LabeledContent(tr("settings_version"), value: tr("settings_version_value",
                    Bundle.main.infoDictionary?["CFBundleShortVersionString"] as? String ?? "?", coreVersion()))
            }
        }
        .navigationTitle(tr("settings_title"))
        .task { signedIn = await core.isSignedIn() }
        .alert(tr("settings_sign_out_title"), isPresented: $confirmSignOut) {
            Button(tr("settings_sign_out_confirm"), role: .destructive) { signOut() }
            Button(tr("settings_dialog_cancel"), role: .cancel) {}
        } message: {
            Text(unsentAtSignOut > 0 ? tr("settings_sign_out_unsent", unsentAtSignOut) : tr("settings_sign_out_body"))
        }
        .alert(tr("settings_delete_title"), isPresented: $confirmDelete) {
            Button(tr("settings_delete_confirm"), role: .destructive) { deleteAccount() }
            Button(tr("settings_dialog_cancel"), role: .cancel) {}
        } message: {
            Text(tr("settings_delete_body"))
        }
    }

    private func signOut() {
        busy = true
        Task {
            do { try await core.signOut(); signedIn = false; exported = nil } catch { self.error = error }
            busy = false
        }
    }

    private func export() {
        busy = true
        exported = nil
        exportError = nil
        deleteError = nil
        Task {
            do { exported = try await core.exportMyData() } catch { exportError = error }
            busy = false
        }
    }

    /// Deleted: signed out, and on to the sign-in screen. Failed: nothing was deleted, and the
    /// text says so.
    private func deleteAccount() {
        busy = true
        exportError = nil
        Task {
            do {
                try await core.deleteAccount()
                signedIn = false
                exported = nil
                path = [.login]
            } catch {
                deleteError = error
            }
            busy = false
        }
    }

    private func exportErrorText(_ error: Error) -> String {
        switch error as? PhanAnhError {
        case .Offline: return tr("settings_export_offline")
        case .Unauthorized, .Storage: return errorText(error)
        default: return tr("settings_export_failed")
        }
    }

    private func deleteErrorText(_ error: Error) -> String {
        switch error as? PhanAnhError {
        case .Offline: return tr("settings_delete_offline")
        case .Unauthorized: return errorText(error)
        default: return tr("settings_delete_failed")
        }
    }
}
