import PhanAnhCore
import SwiftUI

@MainActor
final class DetailModel: ObservableObject {
    @Published private(set) var detail: DetailInfo?
    @Published private(set) var error: Error?
    let core: CoreService
    let id: String

    init(core: CoreService, id: String) {
        self.core = core
        self.id = id
    }

    func load() async {
        do { detail = try await core.report(id); error = nil } catch { self.error = error }
    }

    /// The report as a push brought it (already fetched and merged by the core).
    func show(_ report: Report) {
        guard report.id == id else { return }
        detail = DetailInfo(report)
        error = nil
    }
}

struct ReportDetailView: View {
    @StateObject var model: DetailModel
    @Binding var path: [Route]

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                if let error = model.error { ErrorBanner(error: error) { Task { await model.load() } } }
                if let d = model.detail {
                    Text(categoryName(d.row.categoryCode)).font(.title2.bold()).accessibilityAddTraits(.isHeader)
                    if let status = d.row.status { StatusBadge(status: status) }
                    Text(d.row.description)
                    photos(d.photos, videos: d.videoPosters)
                    Divider()
                    info(tr("detail_place"), d.row.wardName ?? tr("location_no_ward"))
                    info(tr("detail_sent_at"), dateTimeText(d.row.createdAt))
                    if let unit = d.unitName { info(tr("detail_unit"), unit) }
                    if let deadline = d.row.deadline {
                        info(tr("detail_deadline"), dateTimeText(deadline) + (d.row.overdue ? " · " + tr("detail_overdue_flag") : ""))
                    }
                    if let dup = d.duplicateOf { info(tr("detail_duplicate_of"), "#" + dup) }
                    if let answer = d.answerText {
                        VStack(alignment: .leading, spacing: 6) {
                            Text(tr("detail_answer_from", d.answerUnit ?? "")).font(.headline)
                            if let at = d.answerAt { Text(dateTimeText(at)).font(.footnote) }
                            Text(answer)
                            photos(d.answerPhotos, videos: d.answerVideoPosters)
                        }
                        .padding()
                        .background(Color.green.opacity(0.1), in: RoundedRectangle(cornerRadius: 12))
                    }
                    if let closure = d.closure {
                        ClosureSection(info: closure, reportId: model.id, core: model.core) { await model.load() }
                    }
                    if !d.timeline.isEmpty {
                        Text(tr("detail_timeline")).font(.headline).accessibilityAddTraits(.isHeader)
                        ForEach(d.timeline) { item in
                            HStack(alignment: .top, spacing: 10) {
                                Circle().fill(item.status.map(statusColor) ?? .gray).frame(width: 14, height: 14).padding(.top, 4)
                                VStack(alignment: .leading, spacing: 2) {
                                    Text(item.status.map(statusText) ?? tr("detail_update")).font(.subheadline.bold())
                                    Text(dateTimeText(item.at)).font(.footnote).foregroundStyle(.secondary)
                                    if let unit = item.unitName { Text(unit) }
                                    if let message = item.message { Text(message) }
                                }
                            }
                            .accessibilityElement(children: .combine)
                        }
                    }
                    if d.canRate {
                        PrimaryButton(title: tr(d.myRatingLevel == nil ? "detail_rate" : "detail_edit_rating")) { path.append(.rating(model.id)) }
                    }
                } else if model.error == nil {
                    ProgressView().frame(maxWidth: .infinity)
                }
            }
            .padding()
        }
        .navigationTitle(tr("detail_title"))
        .task { await model.load() }
        .refreshable { await model.load() }
        .onReceive(AppEnvironment.shared.$lastPush) { effect in
            if case .report(let report)? = effect { model.show(report) }
        }
    }

    private func info(_ label: String, _ value: String) -> some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(label).font(.subheadline).foregroundStyle(.secondary)
            Text(value)
        }
        .accessibilityElement(children: .combine)
    }

    private func photos(_ sources: [PhotoSource], videos: [PhotoSource] = []) -> some View {
        ScrollView(.horizontal) {
            HStack { ForEach(sources + videos, id: \.self) { Thumbnail($0, size: 120) } }
        }
    }
}
