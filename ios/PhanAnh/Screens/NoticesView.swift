import PhanAnhCore
import SwiftUI

/// The province's notices (issue 13) covering where the device was last (province-wide ones
/// without a position), most severe first as the core orders them; the phone's copy offline.
@MainActor
final class NoticesModel: ObservableObject {
    @Published private(set) var result: NoticesAt?
    @Published private(set) var error: Error?
    @Published private(set) var withoutPosition = false
    let core: CoreService
    let location: LocationService

    init(core: CoreService, location: LocationService) {
        self.core = core
        self.location = location
    }

    func load() async {
        let fix = location.fix
        withoutPosition = fix == nil
        do { result = try await core.notices(lat: fix?.lat, lon: fix?.lon); error = nil } catch { self.error = error }
    }
}

struct NoticesView: View {
    @StateObject var model: NoticesModel

    var body: some View {
        List {
            if let error = model.error { ErrorBanner(error: error) { Task { await model.load() } } }
            if let r = model.result {
                if r.fromCache {
                    Label(tr("notices_from_cache", dateTimeText(r.fetchedAt)), systemImage: "wifi.slash").font(.footnote)
                }
                if model.withoutPosition { Text(tr("notices_without_position")).font(.footnote) }
                if r.notices.isEmpty { Text(tr("notices_empty")) }
                ForEach(r.notices, id: \.id) { n in row(n) }
            } else if model.error == nil {
                ProgressView().frame(maxWidth: .infinity)
            }
        }
        .navigationTitle(tr("notices_title"))
        .task { await model.load() }
        .refreshable { await model.load() }
        .onReceive(AppEnvironment.shared.$lastPush) { effect in
            // A notice was published for where the resident is: show the list again.
            if case .notice? = effect { Task { await model.load() } }
        }
    }

    private func row(_ n: Notice) -> some View {
        VStack(alignment: .leading, spacing: 6) {
            // The level as a word and an icon, not colour alone.
            Label(level(n.severity) + " · " + tr(n.provinceWide ? "notices_province_wide" : "notices_your_area"),
                  systemImage: n.severity == .info ? "info.circle.fill" : "exclamationmark.triangle.fill")
                .font(.subheadline.bold())
                .foregroundStyle(color(n.severity))
            Text(n.title).font(.headline)
            Text(n.body)
            Text(n.validTo.map { tr("notices_valid_from_to", dateTimeText(n.validFrom), dateTimeText($0)) }
                 ?? tr("notices_valid_from", dateTimeText(n.validFrom)))
                .font(.footnote).foregroundStyle(.secondary)
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }

    private func level(_ s: NoticeSeverity) -> String {
        switch s {
        case .info: return tr("notices_level_info")
        case .warning: return tr("notices_level_warning")
        case .severe: return tr("notices_level_severe")
        }
    }

    private func color(_ s: NoticeSeverity) -> Color {
        switch s {
        case .info: return .blue
        case .warning: return .orange
        case .severe: return .red
        }
    }
}
