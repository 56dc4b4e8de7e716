import PhanAnhCore
import SwiftUI

/// Verified closure (issue 13) as the detail screen shows it: verified on site with the
/// distance, or not and why; the before/after photos; the answer window and my answer.
struct ClosureInfo {
    let verified: Bool
    let distanceM: Double?
    let radiusM: UInt32
    let reason: VerificationReason?
    /// The report's own first photo.
    let beforePhoto: PhotoSource?
    /// The resolution's photo that was checked (`verification.photo_id` among the timeline's media).
    let afterPhoto: PhotoSource?
    let answerUntil: Date
    let myAnswer: ClosureAnswer?
    let resolved: Bool

    init?(_ r: Report) {
        guard let v = r.verification else { return nil }
        verified = v.verified
        distanceM = v.distanceM
        radiusM = v.radiusM
        reason = v.reason
        // The resident's own report and its answer: kept on the phone for good.
        beforePhoto = r.media.first { $0.kind == .photo }.map { .remote($0, keep: true) }
        afterPhoto = v.photoId.flatMap { id in r.timeline.flatMap(\.media).first { $0.id == id } }.map { .remote($0, keep: true) }
        answerUntil = v.answerUntil
        myAnswer = v.myAnswer
        resolved = r.status == .resolved
    }

    /// "Ảnh chụp cách điểm phản ánh 40 m", or why the photo does not prove the fix.
    var text: String {
        let d = distanceM.map(distanceText)
        if verified { return d.map { tr("closure_verified_distance", $0) } ?? tr("closure_verified") }
        switch reason {
        case .noPhoto: return tr("closure_reason_no_photo")
        case .noPositionInPhoto: return tr("closure_reason_no_position")
        case .noCaptureTime: return tr("closure_reason_no_time")
        case .tooFar: return d.map { tr("closure_reason_too_far", $0, Int(radiusM)) } ?? tr("closure_reason_too_far_unknown", Int(radiusM))
        case .takenBeforeReport: return tr("closure_reason_before")
        case .other, .none: return tr("closure_reason_other")
        }
    }
}

/// The core's refusal of an answer, in words (window closed, already answered).
func closureErrorText(_ error: Error) -> String {
    if case PhanAnhError.InvalidState(let detail) = error {
        if detail.contains("already answered") { return tr("closure_error_answered") }
        if detail.contains("window") { return tr("closure_error_window_closed") }
    }
    if case PhanAnhError.Validation = error { return tr("problem_required") }
    return errorText(error)
}

/// The closure card: "Đã sửa" / "Chưa sửa" go through the outbox (confirm/dispute_resolution).
struct ClosureSection: View {
    let info: ClosureInfo
    let reportId: String
    let core: CoreService
    /// Reloads the report after an answer was queued.
    let onAnswered: () async -> Void

    @State private var queued: OutboxItem?
    @State private var disputing = false
    @State private var disputeText = ""
    @State private var sending = false
    @State private var error: Error?

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(tr("closure_title")).font(.subheadline.bold())
            Label(tr(info.verified ? "closure_verified" : "closure_not_verified"),
                  systemImage: info.verified ? "checkmark.seal.fill" : "exclamationmark.triangle.fill")
                .font(.headline)
            Text(info.text)
            HStack(alignment: .top, spacing: 10) {
                photo(tr("closure_before"), info.beforePhoto)
                photo(tr("closure_after"), info.afterPhoto)
            }
            answerView
            if let error { Text(closureErrorText(error)).foregroundStyle(.red) }
            if canAnswer {
                Text(tr("closure_question", dateTimeText(info.answerUntil))).font(.footnote)
                if disputing {
                    TextField(tr("closure_dispute_text"), text: $disputeText, axis: .vertical)
                        .textFieldStyle(.roundedBorder)
                    PrimaryButton(title: tr("closure_dispute_send"), busy: sending) { send { try await core.dispute(reportId, text: disputeText) } }
                    Button(tr("closure_dispute_cancel")) { disputing = false; disputeText = ""; error = nil }
                        .frame(minHeight: 44)
                } else {
                    HStack {
                        PrimaryButton(title: tr("closure_confirm"), busy: sending) { send { try await core.confirm(reportId) } }
                        Button(tr("closure_dispute")) { disputing = true; error = nil }
                            .buttonStyle(.bordered).frame(minHeight: 44)
                    }
                }
            } else if info.myAnswer == nil && queued == nil && info.answerUntil < Date() {
                Text(tr("closure_window_over", dateTimeText(info.answerUntil))).font(.footnote)
            }
        }
        .padding()
        .background((info.verified ? Color.green : Color.orange).opacity(0.12), in: RoundedRectangle(cornerRadius: 12))
        .disabled(sending)
    }

    private var canAnswer: Bool { info.resolved && info.myAnswer == nil && queued == nil && Date() <= info.answerUntil }

    @ViewBuilder private var answerView: some View {
        if let a = info.myAnswer {
            Text(tr(a.verdict == .confirmed ? "closure_answer_confirmed" : "closure_answer_disputed", dateTimeText(a.at)))
            if let text = a.text { Text("“" + text + "”") }
        } else if let item = queued, case .closure(_, let verdict, let text) = item.kind {
            Text(tr(verdict == .confirmed ? "closure_answer_confirmed" : "closure_answer_disputed", dateTimeText(item.createdAt)))
            if let text { Text("“" + text + "”") }
            Text(tr("delivery_queued")).font(.footnote)
        }
    }

    private func photo(_ label: String, _ source: PhotoSource?) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(label).font(.caption)
            if let source { Thumbnail(source, size: 140).accessibilityLabel(label) } else { Text(tr("closure_no_after_photo")).font(.caption) }
        }
        .frame(maxWidth: .infinity, alignment: .leading)
    }

    private func send(_ call: @escaping () async throws -> OutboxItem) {
        sending = true
        error = nil
        Task {
            do {
                queued = try await call()
                disputing = false
                await onAnswered()
            } catch { self.error = error }
            sending = false
        }
    }
}
