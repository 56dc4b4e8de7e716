import PhanAnhCore
import SwiftUI

/// "Me too" (issue 13) while writing a report: once the draft has a category and a position,
/// the core's open reports of that category within 150 m ("Đã có N phản ánh tương tự gần
/// đây"); joining one goes through the outbox, then the resident deletes the draft or keeps writing.
@MainActor
final class MeTooModel: ObservableObject {
    @Published private(set) var nearby: NearbyReports?
    @Published private(set) var joining: String?
    @Published private(set) var joined: String?
    @Published var askDiscard = false
    @Published private(set) var error: Error?
    let core: CoreService

    init(core: CoreService) { self.core = core }

    func lookup(_ draft: Draft) async {
        guard draft.category != nil, draft.location != nil else { nearby = nil; return }
        do { nearby = try await core.nearby(forDraft: draft.id); error = nil } catch { self.error = error }
    }

    func join(_ reportId: String) async {
        joining = reportId
        defer { joining = nil }
        do {
            _ = try await core.join(reportId)
            joined = reportId
            askDiscard = true
        } catch { self.error = error }
    }

    func discard(_ draftId: String) async -> Bool {
        do { try await core.client.deleteDraft(id: draftId); return true } catch { self.error = error; return false }
    }
}

struct MeTooSection: View {
    @StateObject var model: MeTooModel
    let draft: Draft
    /// The draft was deleted after joining: the screen closes.
    let onDiscarded: () -> Void

    /// What the lookup depends on: it runs again when the category or the position changes.
    private var key: String {
        "\(draft.id)|\(draft.category ?? "")|\(draft.location.map { "\($0.lat),\($0.lon)" } ?? "")"
    }

    var body: some View {
        Group {
            if let n = model.nearby, !n.items.isEmpty {
                Section(tr("metoo_title", n.items.count)) {
                    Text(tr("metoo_hint")).font(.footnote)
                    if n.fromCache {
                        Label(tr("metoo_from_cache", dateTimeText(n.fetchedAt)), systemImage: "wifi.slash").font(.footnote)
                    }
                    if let error = model.error { ErrorBanner(error: error) }
                    ForEach(n.items, id: \.report.id) { item in row(item) }
                }
            }
        }
        .task(id: key) { await model.lookup(draft) }
        .confirmationDialog(tr("metoo_ask_title"), isPresented: $model.askDiscard, titleVisibility: .visible) {
            Button(tr("metoo_ask_delete"), role: .destructive) {
                Task { if await model.discard(draft.id) { onDiscarded() } }
            }
            Button(tr("metoo_ask_keep"), role: .cancel) {}
        } message: {
            Text(tr("metoo_ask_body"))
        }
    }

    private func row(_ item: NearbyReport) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                StatusBadge(status: item.report.status)
                Text(tr("metoo_distance", distanceText(item.distanceM))).font(.footnote)
            }
            Text(item.report.description).lineLimit(3)
            Text(tr("metoo_supporters", Int(item.report.supporters))).font(.footnote).foregroundStyle(.secondary)
            if model.joined == item.report.id {
                Text(tr("metoo_joined")).font(.subheadline.bold())
            } else {
                Button(tr("metoo_join")) { Task { await model.join(item.report.id) } }
                    .buttonStyle(.bordered)
                    .frame(minHeight: 44)
                    .disabled(model.joining != nil || model.joined != nil)
            }
        }
        .accessibilityElement(children: .contain)
    }
}
