import Foundation
import PhanAnhCore

/// Rows and details the screens show, built from the core's records.
struct ReportRow: Identifiable, Hashable {
    let id: String
    let categoryCode: String
    let description: String
    let wardName: String?
    let status: ReportStatus?
    let localState: LocalState?
    let createdAt: Date
    let deadline: Date?
    let overdue: Bool
    let thumbnailPath: String?
    let distanceMeters: Double?
    let unread: Bool
}

struct TimelineItem: Identifiable, Hashable {
    let id: String
    let at: Date
    let status: ReportStatus?
    let unitName: String?
    let message: String?
}

struct DetailInfo {
    let row: ReportRow
    let photoPaths: [String]
    let unitName: String?
    let timeline: [TimelineItem]
    let answerText: String?
    let answerUnit: String?
    let answerAt: Date?
    let answerPhotoPaths: [String]
    let rejectionReason: String?
    let duplicateOf: String?
    let myRatingLevel: UInt8?
    let canRate: Bool
}

/// What the ward lookup says about a position (names the commune/ward, warns).
struct LocatedPlace {
    let wardFullName: String?
    let provinceName: String?
    let warnings: [String]
}

/// Every call the iOS app makes into the core, in one place. `PhanAnhClient`, `ClientConfig`,
/// the draft/attachment/outbox calls and the records used here are exported by bindings/src as
/// of this writing; calls marked PENDING-BINDINGS follow the names of DESIGN §7 and issue 7 and
/// were not yet exported when this was written: aligning them is an edit of this file only.
@MainActor
final class CoreService {
    let client: PhanAnhClient

    init(storageDir: URL, baseURL: String?) throws {
        try FileManager.default.createDirectory(at: storageDir, withIntermediateDirectories: true)
        client = try PhanAnhClient(config: ClientConfig(storageDir: storageDir.path, baseUrl: baseURL, defaultTenantJson: nil))
    }

    var config: TenantConfig { client.config() }

    // Platform services (foreign traits). PENDING-BINDINGS: setter names.
    func install(secretStore: SecretStore, transcoder: VideoTranscoder, imageDecoder: ImageDecoder) {
        client.setSecretStore(store: secretStore)
        client.setVideoTranscoder(transcoder: transcoder)
        client.setImageDecoder(decoder: imageDecoder)
    }

    // Drafts (exported).
    func createDraft() async throws -> Draft { try await client.createDraft() }
    func draft(_ id: String) async throws -> Draft { try await client.draft(id: id) }
    func update(_ id: String, _ edits: [DraftEdit]) async throws -> Draft { try await client.updateDraft(id: id, edits: edits) }
    func attach(_ draftId: String, path: String) async throws -> Attachment { try await client.addAttachment(draftId: draftId, path: path) }
    func removeAttachment(_ id: String) async throws { try await client.removeAttachment(attachmentId: id) }
    func validate(_ id: String) async throws -> [FieldProblem] { try await client.validateDraft(id: id) }
    func submit(_ id: String) async throws -> OutboxItem { try await client.submitDraft(id: id) }
    func outbox() async throws -> [OutboxItem] { try await client.outbox() }

    // PENDING-BINDINGS from here on.
    func locate(_ fix: LocationFix) async throws -> LocatedPlace {
        let place = try await client.locate(fix: fix)
        return LocatedPlace(wardFullName: place.ward?.fullName, provinceName: place.provinceName, warnings: place.warnings)
    }
    func retry(_ clientId: String) async throws { try await client.retryOutboxItem(clientId: clientId) }
    func cancel(_ clientId: String) async throws { try await client.cancelOutboxItem(clientId: clientId) }
    func myReports() async throws -> [ReportRow] { try await client.myReports().map(ReportRow.init) }
    func publicFeed(query: String, category: String?) async throws -> [ReportRow] {
        try await client.publicFeed(query: FeedQuery(text: query, category: category, status: nil, bbox: nil)).map(ReportRow.init)
    }
    func report(_ id: String) async throws -> DetailInfo { DetailInfo(try await client.report(id: id)) }
    func rate(_ reportId: String, level: UInt8, comment: String?, reopen: Bool) async throws {
        _ = try await client.rate(reportId: reportId, level: level, comment: comment, reopen: reopen)
    }
    func requestOtp(phone: String) async throws { try await client.requestOtp(phone: phone) }
    func verifyOtp(phone: String, code: String) async throws { try await client.verifyOtp(phone: phone, code: code) }
    func logout() async throws { try await client.logout() }
    func setConnectivity(online: Bool, metered: Bool) { client.setConnectivity(online: online, metered: metered) }
    func setVideoWifiOnly(_ enabled: Bool) { client.setVideoWifiOnly(enabled: enabled) }
    /// Bounded background work; returns the number of items still pending and the changed reports.
    func runPending(until deadline: Date) async throws -> (remaining: Int, changed: [ReportRow]) {
        let summary = try await client.runPending(deadline: deadline)
        let changed = try await client.syncMyReports()
        return (Int(summary.remaining), changed.map(ReportRow.init))
    }
}

extension ReportRow {
    /// PENDING-BINDINGS: the report summary record of the core.
    init(_ r: ReportSummary) {
        self.init(id: r.id, categoryCode: r.category, description: r.description, wardName: r.ward?.fullName,
                  status: r.status, localState: r.localState, createdAt: r.createdAt, deadline: r.deadline,
                  overdue: r.overdue, thumbnailPath: r.thumbnailPath, distanceMeters: r.distanceM, unread: r.unread)
    }
}

extension DetailInfo {
    /// PENDING-BINDINGS: the report detail record of the core.
    init(_ d: PhanAnhCore.ReportDetail) {
        self.init(row: ReportRow(d.summary), photoPaths: d.photoPaths, unitName: d.unitName,
                  timeline: d.timeline.map { TimelineItem(id: $0.id, at: $0.at, status: $0.status, unitName: $0.unitName, message: $0.message) },
                  answerText: d.answer?.text, answerUnit: d.answer?.unitName, answerAt: d.answer?.at,
                  answerPhotoPaths: d.answer?.photoPaths ?? [], rejectionReason: d.rejectionReason,
                  duplicateOf: d.duplicateOf, myRatingLevel: d.myRating?.level, canRate: d.canRate)
    }
}
