import PhanAnhCore
import SwiftUI

/// Navigation of the app: home, and every screen pushed from it.
enum Route: Hashable {
    case newReport
    case outbox
    case detail(String)
    case rating(String)
    case login
    case settings
}

struct RootView: View {
    @EnvironmentObject private var env: AppEnvironment
    @State private var path: [Route] = []

    var body: some View {
        if let core = env.core {
            NavigationStack(path: $path) {
                HomeView(model: HomeModel(core: core), path: $path)
                    .navigationDestination(for: Route.self) { route in
                        switch route {
                        case .newReport: NewReportView(model: NewReportModel(core: core, location: env.location)) { path.removeLast() }
                        case .outbox: OutboxView(model: OutboxModel(core: core))
                        case .detail(let id): ReportDetailView(model: DetailModel(core: core, id: id), path: $path)
                        case .rating(let id): RatingView(model: RatingModel(core: core, reportId: id)) { path.removeLast() }
                        case .login: LoginView(model: LoginModel(core: core)) { path.removeAll() }
                        case .settings: SettingsView(core: core, path: $path)
                        }
                    }
            }
            .onChange(of: env.openReportId) { id in
                if let id { path = [.detail(id)]; env.openReportId = nil }
            }
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
