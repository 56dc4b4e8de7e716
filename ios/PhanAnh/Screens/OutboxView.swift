import PhanAnhCore
import SwiftUI

@MainActor
final class OutboxModel: ObservableObject {
    @Published private(set) var items: [OutboxItem] = []
    @Published private(set) var error: Error?
    let core: CoreService

    init(core: CoreService) { self.core = core }

    /// Polls while the screen is visible; the core's outbox is the truth (progress included).
    func watch() async {
        while !Task.isCancelled {
            do {
                items = try await core.outbox()
                error = nil
            } catch {
                self.error = error
            }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    func retry(_ item: OutboxItem) async {
        do { try await core.retry(item.clientId); AppEnvironment.shared.background.schedule() } catch { self.error = error }
    }
}

struct OutboxView: View {
    @StateObject var model: OutboxModel

    var body: some View {
        List {
            if let error = model.error { ErrorBanner(error: error) }
            let pending = model.items.filter { if case .submitted = $0.state { return false } else { return true } }
            if pending.isEmpty { Text(tr("outbox_empty")).foregroundStyle(.secondary) }
            ForEach(pending, id: \.clientId) { item in
                VStack(alignment: .leading, spacing: 8) {
                    Text(title(item)).font(.headline)
                    Text(deliveryText(item.state))
                    Text(tr("outbox_created", dateTimeText(item.createdAt))).font(.footnote).foregroundStyle(.secondary)
                    if item.attempts > 1 { Text(tr("outbox_attempts", Int(item.attempts))).font(.footnote).foregroundStyle(.secondary) }
                    if case .failed(let reason, let retryable) = item.state {
                        Text(reason).foregroundStyle(.red).font(.callout)
                        if !retryable { Text(tr("outbox_failed_hint")).font(.footnote) }
                    }
                    if case .failed = item.state {
                        Button(tr("action_retry")) { Task { await model.retry(item) } }
                            .buttonStyle(.bordered).frame(minHeight: minTouch)
                    }
                }
                .padding(.vertical, 6)
            }
        }
        .navigationTitle(tr("outbox_title"))
        .task { await model.watch() }
    }

    private func title(_ item: OutboxItem) -> String {
        switch item.kind {
        case .report(let draftId): return tr("new_report_title") + " #" + String(draftId.prefix(8))
        case .rating(let reportId, _): return tr("outbox_kind_rating") + ": " + reportId
        }
    }
}
