import PhanAnhCore
import SwiftUI

@MainActor
final class RatingModel: ObservableObject {
    @Published var level: UInt8?
    @Published var comment = ""
    @Published var reopen = false
    @Published private(set) var problems: [FieldError] = []
    @Published private(set) var error: Error?
    @Published private(set) var sending = false
    @Published private(set) var sent = false
    let core: CoreService
    let reportId: String

    init(core: CoreService, reportId: String) {
        self.core = core
        self.reportId = reportId
    }

    /// The province's scale (tenant config), most satisfied first.
    var levels: [RatingLevel] { core.config.ratingScale }
    var reopenAllowed: Bool { levels.first { $0.value == level }?.mayReopen ?? false }

    func send() async {
        guard let level else { return }
        sending = true
        defer { sending = false }
        do {
            // Queued in the outbox when offline; delivered by the core later.
            try await core.rate(reportId, level: level, comment: comment.isEmpty ? nil : comment, reopen: reopenAllowed && reopen)
            AppEnvironment.shared.background.schedule()
            sent = true
        } catch PhanAnhError.Validation(let errors) {
            problems = errors
        } catch {
            self.error = error
        }
    }
}

struct RatingView: View {
    @StateObject var model: RatingModel
    let onDone: () -> Void

    var body: some View {
        Form {
            if let error = model.error { ErrorBanner(error: error) }
            Section {
                ForEach(model.levels, id: \.value) { level in
                    Button { model.level = level.value } label: {
                        HStack {
                            Image(systemName: model.level == level.value ? "largecircle.fill.circle" : "circle")
                            Text(level.label).font(.headline)
                        }
                        .frame(maxWidth: .infinity, minHeight: 64, alignment: .leading)
                    }
                    .buttonStyle(.plain)
                    .accessibilityAddTraits(model.level == level.value ? [.isSelected] : [])
                }
                FieldErrors(problems: model.problems.forField("rating.level"))
            }
            Section(tr("rating_comment")) {
                TextField("", text: $model.comment, axis: .vertical).lineLimit(3...8)
                FieldErrors(problems: model.problems.forField("rating.comment"))
            }
            if model.reopenAllowed {
                Section {
                    Toggle(isOn: $model.reopen) {
                        VStack(alignment: .leading) {
                            Text(tr("rating_reopen"))
                            Text(tr("rating_reopen_hint")).font(.footnote).foregroundStyle(.secondary)
                        }
                    }
                    .frame(minHeight: minTouch)
                }
            }
            Section {
                if model.sent {
                    Text(tr("rating_thanks")).foregroundStyle(.green)
                } else {
                    PrimaryButton(title: tr("rating_send"), busy: model.sending) { Task { await model.send() } }
                        .disabled(model.level == nil)
                }
            }
        }
        .navigationTitle(tr("rating_title"))
        .onChange(of: model.sent) { sent in if sent { onDone() } }
    }
}
