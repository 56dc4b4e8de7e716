import PhanAnhCore
import SwiftUI

/// Navigation of the app: home, and every screen pushed from it.
enum Route: Hashable {
    case newReport
    /// A draft from the drafts list, to go on with.
    case draft(String)
    case drafts
    case outbox
    case detail(String)
    case rating(String)
    case login
    case settings
    case notices
    /// The map of the reports around (from Nearby).
    case map
}

struct RootView: View {
    @EnvironmentObject private var env: AppEnvironment
    @State private var path: [Route] = []
    /// The privacy notice version agreed to (0: never); the notice is shown while it is older
    /// than the core's, which the core sends with each sign-in and the server records.
    @AppStorage("consentVersion") private var consentVersion = 0

    var body: some View {
        if let core = env.core, consentVersion < PrivacyNotice.version {
            ConsentView {
                UserDefaults.standard.set(Date().timeIntervalSince1970, forKey: "consentAt")
                consentVersion = PrivacyNotice.version
                // First start without an account: the sign-in screen is offered next.
                Task { if !(await core.isSignedIn()) { path = [.login] } }
            }
        } else if let core = env.core {
            NavigationStack(path: $path) {
                HomeView(model: HomeModel(core: core), path: $path)
                    .navigationDestination(for: Route.self) { route in
                        switch route {
                        case .newReport: NewReportView(model: NewReportModel(core: core, location: env.location)) { path.removeLast() }
                        case .draft(let id): NewReportView(model: NewReportModel(core: core, location: env.location, openDraft: id)) { path.removeLast() }
                        case .drafts: DraftsView(model: DraftsModel(core: core), path: $path)
                        case .outbox: OutboxView(model: OutboxModel(core: core))
                        case .detail(let id): ReportDetailView(model: DetailModel(core: core, id: id), path: $path)
                        case .rating(let id): RatingView(model: RatingModel(core: core, reportId: id)) { path.removeLast() }
                        case .login: LoginView(model: LoginModel(core: core)) { path.removeAll() }
                        case .settings: SettingsView(core: core, path: $path)
                        case .notices: NoticesView(model: NoticesModel(core: core, location: env.location))
                        case .map: ReportMapView(model: ReportMapModel(core: core, location: env.location), path: $path)
                        }
                    }
            }
            .onChange(of: env.openReportId) { id in
                if let id { path = [.detail(id)]; env.openReportId = nil }
            }
        } else if env.opening {
            ProgressView().accessibilityLabel(tr("loading"))
        } else {
            // The core could not open its storage: say so, delete nothing.
            VStack(spacing: 16) {
                Image(systemName: "externaldrive.badge.exclamationmark").font(.largeTitle)
                Text(env.startupError.map(errorText) ?? tr("error_internal")).multilineTextAlignment(.center)
            }
            .padding()
        }
    }
}

/// The privacy notice's version is the core's (`privacyNoticeVersion()`), a whole number.
enum PrivacyNotice {
    static let version: Int = Int(privacyNoticeVersion()) ?? Int.max
}

/// The privacy notice, before anything else on first start and again when its version grows.
struct ConsentView: View {
    @ObservedObject private var strings = Strings.shared
    let onAccept: () -> Void

    var body: some View {
        NavigationStack {
            ScrollView {
                VStack(alignment: .leading, spacing: 16) {
                    Text(tr("consent_body"))
                    Text(tr("consent_version", PrivacyNotice.version)).font(.footnote).foregroundStyle(.secondary)
                    Button(action: onAccept) {
                        Text(tr("consent_accept")).frame(maxWidth: .infinity, minHeight: minTouch)
                    }
                    .buttonStyle(.borderedProminent)
                }
                .padding(20)
            }
            .navigationTitle(tr("consent_title"))
        }
    }
}
