import PhanAnhCore
import SwiftUI

@MainActor
final class OutboxModel: ObservableObject {
    @Published private(set) var snapshot: OutboxSnapshot?
    @Published private(set) var error: Error?
    let core: CoreService
    private var handle: TaskHandle?

    init(core: CoreService) { self.core = core }

    /// Subscribes while the screen is shown: the core replays the outbox, then streams changes
    /// (states, upload progress, what each item waits for).
    func start() {
        guard handle == nil else { return }
        do {
            handle = try core.watchOutbox { [weak self] snap in
                Task { @MainActor in self?.snapshot = snap }
            }
        } catch {
            self.error = error
        }
    }

    func stop() {
        handle?.cancel()
        handle = nil
    }

    var pending: [OutboxEntry] {
        (snapshot?.entries ?? []).filter { if case .submitted = $0.item.state { return false } else { return true } }
    }

    /// Takes the item back while the core says the server cannot have it yet.
    func cancel(_ entry: OutboxEntry) async {
        do {
            try await core.cancel(entry.item.clientId)
        } catch {
            self.error = error
        }
    }

    func retry(_ entry: OutboxEntry) async {
        do {
            try await core.retry(entry.item.clientId)
            AppEnvironment.shared.background.schedule()
        } catch {
            self.error = error
        }
    }
}

struct OutboxView: View {
    @StateObject var model: OutboxModel

    var body: some View {
        List {
            if let error = model.error { ErrorBanner(error: error) }
            if let snap = model.snapshot {
                if !snap.online { Label(tr("outbox_offline"), systemImage: "wifi.slash") }
                else if snap.metered && (UserDefaults.standard.object(forKey: "wifiOnlyVideo") as? Bool ?? true) {
                    Label(tr("outbox_metered"), systemImage: "info.circle")
                }
            }
            if model.pending.isEmpty { Text(tr("outbox_empty")).foregroundStyle(.secondary) }
            ForEach(model.pending, id: \.item.clientId) { entry in
                OutboxRow(entry: entry, retry: { Task { await model.retry(entry) } }, cancel: { Task { await model.cancel(entry) } })
            }
        }
        .navigationTitle(tr("outbox_title"))
        .onAppear { model.start() }
        .onDisappear { model.stop() }
    }
}

private struct OutboxRow: View {
    let entry: OutboxEntry
    let retry: () -> Void
    let cancel: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(title).font(.headline)
            Text(stepText)
            if entry.bytesTotal > 0 {
                ProgressView(value: Double(entry.bytesSent), total: Double(entry.bytesTotal))
                    .accessibilityValue(tr("outbox_bytes", megabytes(Int64(entry.bytesSent)), megabytes(Int64(entry.bytesTotal))))
                Text(tr("outbox_bytes", megabytes(Int64(entry.bytesSent)), megabytes(Int64(entry.bytesTotal)))).font(.footnote)
            }
            Text(tr("outbox_created", dateTimeText(entry.item.createdAt))).font(.footnote).foregroundStyle(.secondary)
            if entry.item.attempts > 1 { Text(tr("outbox_attempts", Int(entry.item.attempts))).font(.footnote).foregroundStyle(.secondary) }
            if case .failed(let failure) = entry.item.state {
                Text(failureText(failure)).foregroundStyle(.red).font(.callout)
                ForEach(failure.fields, id: \.field) { problem in
                    Text(problemText(problem)).font(.footnote)
                }
                if !failureIsRetryable(code: failure.code) { Text(tr("outbox_failed_hint")).font(.footnote) }
                Button(tr("action_retry"), action: retry)
                    .buttonStyle(.bordered).frame(minHeight: minTouch)
            }
            if entry.cancellable {
                Button(tr("outbox_cancel"), role: .destructive, action: cancel)
                    .buttonStyle(.bordered).frame(minHeight: minTouch)
            }
        }
        .padding(.vertical, 6)
    }

    private var title: String {
        switch entry.item.kind {
        case .report(let draftId): return tr("new_report_title") + " #" + String(draftId.prefix(8))
        case .rating(let reportId, _): return tr("outbox_kind_rating") + ": " + reportId
        case .closure(let reportId, let verdict, _):
            return tr(verdict == .confirmed ? "outbox_kind_confirmed" : "outbox_kind_disputed") + ": " + reportId
        case .join(let reportId): return tr("outbox_kind_join") + ": " + reportId
        }
    }

    /// What the item is doing or waiting for, from the core's own words for it.
    private var stepText: String {
        switch entry.blocked {
        case .offline: return tr("step_waiting_network")
        case .waitingForWifi: return tr("step_waiting_wifi")
        case .signedOut: return tr("error_unauthorized")
        case nil: return deliveryText(entry.item.state)
        }
    }
}
