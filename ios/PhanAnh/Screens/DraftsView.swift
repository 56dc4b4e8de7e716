import PhanAnhCore
import SwiftUI

/// The drafts list: every report not sent yet. A deleted draft leaves the list at once but stays
/// on the phone while "undo" is offered; only when that window passes is it deleted in the core
/// (if the app dies inside the window, the draft is simply still there).
@MainActor
final class DraftsModel: ObservableObject {
    /// How long "undo" is offered after a draft is deleted.
    static let undoWindowSeconds: UInt64 = 5

    @Published private(set) var drafts: [Draft] = []
    @Published private(set) var pendingDelete: Draft?
    @Published private(set) var error: Error?
    let core: CoreService
    private var timer: Task<Void, Never>?

    init(core: CoreService) { self.core = core }

    func load() async {
        do {
            let hidden = pendingDelete?.id
            drafts = try await core.unsentDrafts().filter { $0.id != hidden }
            error = nil
        } catch {
            self.error = error
        }
    }

    func delete(_ draft: Draft) {
        // One undo at a time: an earlier deletion still waiting is carried out now.
        if let earlier = pendingDelete { timer?.cancel(); commit(earlier) }
        drafts.removeAll { $0.id == draft.id }
        pendingDelete = draft
        timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: DraftsModel.undoWindowSeconds * 1_000_000_000)
            guard !Task.isCancelled, let self, self.pendingDelete?.id == draft.id else { return }
            self.commit(draft)
        }
    }

    func undo() {
        guard let draft = pendingDelete else { return }
        timer?.cancel()
        pendingDelete = nil
        drafts = (drafts + [draft]).sorted { $0.updatedAt > $1.updatedAt }
    }

    private func commit(_ draft: Draft) {
        if pendingDelete?.id == draft.id { pendingDelete = nil }
        let core = self.core
        Task {
            do {
                try await core.deleteDraft(draft.id)
            } catch {
                // Not deleted: still a draft, so back into the list.
                self.error = error
                await self.load()
            }
        }
    }
}

struct DraftsView: View {
    @StateObject var model: DraftsModel
    @Binding var path: [Route]
    @ObservedObject private var strings = Strings.shared

    var body: some View {
        List {
            if let error = model.error { ErrorBanner(error: error) { Task { await model.load() } } }
            if model.drafts.isEmpty {
                Text(tr("drafts_empty")).foregroundStyle(.secondary)
            }
            ForEach(model.drafts, id: \.id) { d in
                HStack(spacing: 12) {
                    Button { path.append(.draft(d.id)) } label: { DraftRowView(draft: d) }
                        .buttonStyle(.plain)
                    Button { model.delete(d) } label: { Image(systemName: "trash") }
                        .buttonStyle(.borderless)
                        .frame(minWidth: minTouch, minHeight: minTouch)
                        .accessibilityLabel(tr("drafts_delete") + ": " + (d.category.map(categoryName) ?? tr("drafts_no_category")))
                }
            }
        }
        .listStyle(.plain)
        .navigationTitle(tr("drafts_title"))
        .safeAreaInset(edge: .bottom) {
            if model.pendingDelete != nil {
                HStack {
                    Text(tr("drafts_deleted"))
                    Spacer()
                    Button(tr("action_undo")) { model.undo() }.frame(minHeight: minTouch)
                }
                .padding()
                .background(.regularMaterial, in: RoundedRectangle(cornerRadius: 12))
                .padding()
            }
        }
        // Also when coming back from a draft: its last edits (or its sending) show.
        .task { await model.load() }
        .onAppear { Task { await model.load() } }
    }
}

/// One draft: first photo, category, text, "not sent", last edit; read as one sentence.
struct DraftRowView: View {
    let draft: Draft
    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Thumbnail(path: draft.attachments.sorted { $0.ordinal < $1.ordinal }.first { $0.kind == .photo }?.path, size: 72)
            VStack(alignment: .leading, spacing: 4) {
                Text(draft.category.map(categoryName) ?? tr("drafts_no_category")).font(.headline)
                if !draft.description.isEmpty { Text(draft.description).lineLimit(2) }
                HStack {
                    Text(tr("drafts_not_sent")).font(.subheadline).foregroundStyle(.blue)
                    if !draft.attachments.isEmpty {
                        Text(tr("drafts_media_count", draft.attachments.count)).font(.subheadline).foregroundStyle(.secondary)
                    }
                }
                Text(tr("drafts_edited", dateTimeText(draft.updatedAt))).font(.footnote).foregroundStyle(.secondary)
            }
        }
        .padding(.vertical, 6)
        .accessibilityElement(children: .combine)
    }
}
