import Foundation
import PhanAnhCore

/// A photo to show: a file on this phone (drafts, attachments) or a report's file on the
/// server, which the core's media cache provides (offline from the phone's copy).
enum PhotoSource: Hashable {
    case local(String)
    /// `keep`: my reports and the answers to them, kept for good; the feed's are evictable.
    case remote(MediaRef, keep: Bool)
    /// The poster frame of a server video (shown with a play badge), cached like a photo.
    case poster(MediaRef, keep: Bool)

    var isVideo: Bool { if case .poster = self { return true } else { return false } }
    var isLocal: Bool { if case .local = self { return true } else { return false } }
}

/// Why a server photo cannot be shown; the placeholder says it.
enum MediaUnavailable: Error {
    /// Not on the phone yet and no network.
    case offline
    /// The server's file does not match what the report names, or is not an image.
    case damaged
    /// Anything else (server error, storage full).
    case failed

    /// What the placeholder says.
    @MainActor var text: String {
        switch self {
        case .offline: return tr("media_offline")
        case .damaged: return tr("media_damaged")
        case .failed: return tr("media_failed")
        }
    }
}

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
    /// The first photo.
    let thumbnail: PhotoSource?
    let distanceMeters: Double?
    let unread: Bool
}

struct TimelineItem: Identifiable, Hashable {
    let id: UInt64
    let at: Date
    let status: ReportStatus?
    let unitName: String?
    let message: String?
}

struct DetailInfo {
    let row: ReportRow
    let photos: [PhotoSource]
    let unitName: String?
    let timeline: [TimelineItem]
    let answerText: String?
    let answerUnit: String?
    let answerAt: Date?
    let answerPhotos: [PhotoSource]
    let duplicateOf: String?
    let myRatingLevel: UInt8?
    let canRate: Bool
    /// Verified closure, once resolved (issue 13).
    let closure: ClosureInfo?
    /// Poster frames of the report's and the answer's videos (shown with a play badge).
    var videoPosters: [PhotoSource] = []
    var answerVideoPosters: [PhotoSource] = []
}

/// A report's thumbnail: its first photo, else its first video's poster frame.
private func thumbnailOf(_ media: [MediaRef], keep: Bool) -> PhotoSource? {
    if let photo = media.first(where: { $0.kind == .photo }) { return .remote(photo, keep: keep) }
    return media.first(where: { $0.kind == .video && $0.posterUrl != nil }).map { .poster($0, keep: keep) }
}

/// The poster frames of the videos among `media` that have one.
private func posters(ofVideosIn media: [MediaRef], keep: Bool) -> [PhotoSource] {
    media.filter { $0.kind == .video && $0.posterUrl != nil }.map { .poster($0, keep: keep) }
}

/// Every call the iOS app makes into the core, in one place, named as the generated Swift API
/// (PhanAnhCore, from bindings/src) names them.
@MainActor
final class CoreService {
    let client: PhanAnhClient

    /// Opens the core with the platform services it calls back (foreign traits). The core
    /// opens and checks its database off the main thread (the constructor is async).
    init(storageDir: URL, baseURL: String?, boundariesDir: URL?) async throws {
        client = try await PhanAnhClient.open(config: ClientConfig(
            storageDir: storageDir.path,
            baseUrl: baseURL,
            defaultTenantJson: nil,
            boundariesDir: boundariesDir?.path,
            secretStore: KeychainSecretStore(),
            imageDecoder: ImageIODecoder(),
            videoTranscoder: AssetWriterTranscoder()
        ))
    }

    var config: TenantConfig { client.config() }

    // Drafts
    func createDraft() async throws -> Draft { try await client.createDraft() }
    func drafts() async throws -> [Draft] { try await client.drafts() }
    func draft(_ id: String) async throws -> Draft { try await client.draft(id: id) }
    /// Unsent drafts, most recently edited first.
    func unsentDrafts() async throws -> [Draft] {
        try await client.drafts().filter { if case .draft = $0.state { return true } else { return false } }
            .sorted { $0.updatedAt > $1.updatedAt }
    }
    func deleteDraft(_ id: String) async throws { try await client.deleteDraft(id: id) }
    /// Deletes the draft only if, as stored, it still holds nothing the user entered.
    func deleteDraftIfEmpty(_ id: String) async throws {
        let d = try await client.draft(id: id)
        guard case .draft = d.state, d.category == nil, d.description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
              d.attachments.isEmpty else { return }
        try await client.deleteDraft(id: id)
    }
    func update(_ id: String, _ edits: [DraftEdit]) async throws -> Draft { try await client.updateDraft(id: id, edits: edits) }
    func attach(_ draftId: String, path: String) async throws -> Attachment { try await client.addAttachment(draftId: draftId, path: path) }
    func removeAttachment(_ id: String) async throws { try await client.removeAttachment(attachmentId: id) }
    func validate(_ id: String) async throws -> [FieldError] { try await client.validateDraft(id: id) }
    func submit(_ id: String) async throws -> OutboxItem { try await client.submitDraft(id: id) }
    /// The core picks the best position among the device's fixes and the photos' own GPS, names
    /// the commune/ward and says what to double-check.
    func assessLocation(_ draftId: String, deviceFixes: [LocationFix]) async throws -> LocationAssessment {
        try await client.setDraftLocation(draftId: draftId, deviceFixes: deviceFixes)
    }

    // Outbox
    func outbox() async throws -> [OutboxItem] { try await client.outbox() }
    /// Replays the outbox (with upload progress) at once, then every change; cancel the handle to stop.
    func watchOutbox(_ onSnapshot: @escaping @Sendable (OutboxSnapshot) -> Void) throws -> TaskHandle {
        try client.subscribeOutbox(listener: OutboxCallback(onSnapshot))
    }
    /// Replays my reports at once, then every change (with the ids that changed).
    func watchReports(_ onSnapshot: @escaping @Sendable (ReportsSnapshot) -> Void) throws -> TaskHandle {
        try client.subscribeReports(listener: ReportsCallback(onSnapshot))
    }
    func retry(_ clientId: String) async throws { _ = try await client.retryOutboxItem(clientId: clientId) }
    func cancel(_ clientId: String) async throws { _ = try await client.cancelOutboxItem(clientId: clientId) }

    // Reports
    func myReports() async throws -> [ReportRow] { try await client.myReports().map(ReportRow.init) }
    /// The public feed: around `near` (a box of `Nearby.radiusM`, rows with their distance,
    /// nearest first) when the device's position is known, else the whole province's.
    func publicFeed(query: String, category: String?, near: LocationFix?) async throws -> [ReportRow] {
        let box = near.map { Nearby.box(lat: $0.lat, lon: $0.lon, radiusM: Nearby.radiusM) }
        let page = try await client.feed(query: FeedQuery(bbox: box, category: category, status: nil,
                                                          text: query.isEmpty ? nil : query, cursor: nil, limit: 50))
        guard let near else { return page.items.map { ReportRow($0, distanceMeters: nil) } }
        return page.items
            .map { ReportRow($0, distanceMeters: Nearby.distanceM(near.lat, near.lon, $0.lat, $0.lon)) }
            .sorted { ($0.distanceMeters ?? 0) < ($1.distanceMeters ?? 0) }
    }

    // Tenant config
    /// The province's config and ward boundaries: call at start, when the app comes to the
    /// foreground and from background runs; the core asks the server at most once a day (its
    /// own clock and ETags) and only when online. A failure keeps the ones in use.
    @discardableResult
    func refreshTenantIfDue() async -> TenantRefresh? {
        try? await client.refreshTenantIfDue()
    }
    /// Fresh from the server when online, the cached copy otherwise.
    func report(_ id: String) async throws -> DetailInfo {
        do {
            return DetailInfo(try await client.refreshReport(id: id))
        } catch PhanAnhError.Offline {
            guard let cached = try await client.cachedReport(id: id) else { throw PhanAnhError.Offline }
            return DetailInfo(cached)
        }
    }
    func rate(_ reportId: String, level: UInt8, comment: String?, reopen: Bool) async throws {
        _ = try await client.rateReport(reportId: reportId, level: level, comment: comment, reopen: reopen)
    }
    /// "Đã sửa" / "Chưa sửa": queued in the outbox like a rating.
    func confirm(_ reportId: String) async throws -> OutboxItem { try await client.confirmResolution(reportId: reportId) }
    func dispute(_ reportId: String, text: String) async throws -> OutboxItem { try await client.disputeResolution(reportId: reportId, text: text) }
    /// "Me too": open reports like the draft nearby, and following one (queued in the outbox).
    func nearby(forDraft draftId: String) async throws -> NearbyReports { try await client.nearbyForDraft(draftId: draftId) }
    func join(_ reportId: String) async throws -> OutboxItem { try await client.joinReport(reportId: reportId) }
    /// The province's notices covering the point (province-wide ones without it); the phone's copy offline.
    func notices(lat: Double?, lon: Double?) async throws -> NoticesAt { try await client.noticesAt(lat: lat, lon: lon) }

    // Server media
    /// A report's photo on this phone: from the core's cache, or downloaded when online (a cut
    /// download resumes); `keep` for my reports and their answers. Why not, for the placeholder.
    func mediaFile(_ media: MediaRef, keep: Bool) async -> Result<String, MediaUnavailable> {
        await cachedPath { try await client.mediaFile(media: media, keep: keep) }
    }

    /// A server video's poster frame, through the same cache; a video without one: `.failed`.
    func mediaPoster(_ media: MediaRef, keep: Bool) async -> Result<String, MediaUnavailable> {
        await cachedPath { try await client.mediaPoster(media: media, keep: keep) }
    }

    private func cachedPath(_ fetch: () async throws -> CachedMedia) async -> Result<String, MediaUnavailable> {
        do {
            return .success(try await fetch().path)
        } catch PhanAnhError.Offline {
            return .failure(.offline)
        } catch PhanAnhError.Server(let status) where status == 0 {
            return .failure(.damaged) // size or SHA-256 not as the report names it, or not an image
        } catch {
            return .failure(.failed)
        }
    }

    // Push (APNs)
    /// The device token (hex) for the signed-in account; the core keeps it and registers it now,
    /// at the next sign-in or when the network returns.
    func setPushToken(_ hex: String) async { _ = try? await client.setPushToken(platform: .apns, token: hex) }
    /// A token kept while offline or signed out goes to the server (cheap when it has it).
    func registerPendingPushToken() async { _ = try? await client.registerPendingPushToken() }
    /// A push's data keys: the core fetches and merges the report it names as a sync would (my
    /// reports' watchers hear of it). Not this account's report, unreadable data: throws, nothing changed.
    func handlePush(_ data: [String: String]) async throws -> PushEffect { try await client.handlePush(data: data) }

    // Map of reports
    /// The reports inside the map's view (at most 100): the server's when online, else those
    /// of the phone's cached feed pages (`fromCache`).
    func mapReports(_ box: BoundingBox) async throws -> FeedPage { try await client.mapReports(view: box, category: nil) }
    /// Ward outlines meeting the view, from the boundaries the core holds (offline too),
    /// simplified to at most `maxPoints` points; nil without boundaries.
    func wardOutlines(_ box: BoundingBox, maxPoints: UInt32) async throws -> WardOutlines? {
        try await client.wardOutlines(view: box, maxPoints: maxPoints)
    }

    // Session
    func requestOtp(phone: String) async throws -> OtpRequested { try await client.requestOtp(phone: phone) }
    func signIn(phone: String, code: String) async throws -> UserInfo { try await client.signIn(phone: phone, code: code) }
    func signOut() async throws {
        try await client.signOut()
        forgetAccountTraces()
    }
    /// Drafts and queued items of the signed-in account not delivered yet; they stay on the
    /// phone for this account when it signs out.
    func unsentCount() async -> Int { Int((try? await client.unsentCount()) ?? 0) }

    // The resident's data rights (Decree 13/2023/NĐ-CP)
    /// Where exports go: the app's own Application Support, used for nothing else.
    var exportsDir: URL {
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return base.appendingPathComponent("exports", isDirectory: true)
    }
    /// "Download my data": a new folder (data.json plus the media) under `exportsDir`; only the
    /// latest export is kept (they hold the phone number and the reports).
    func exportMyData() async throws -> DataExportSummary {
        try FileManager.default.createDirectory(at: exportsDir, withIntermediateDirectories: true)
        let summary = try await client.exportMyData(dir: exportsDir.path)
        removeExports(keeping: URL(fileURLWithPath: summary.path))
        return summary
    }
    /// "Delete my account": the server first (offline or refused: throws, nothing deleted),
    /// then this phone forgets the account's data and session, and its exports.
    func deleteAccount() async throws {
        try await client.deleteAccount()
        forgetAccountTraces()
    }
    /// What the shell itself kept of the account: its exports and the masked number.
    private func forgetAccountTraces() {
        removeExports(keeping: nil)
        UserDefaults.standard.removeObject(forKey: "maskedPhone")
    }
    private func removeExports(keeping keep: URL?) {
        let fm = FileManager.default
        let items = (try? fm.contentsOfDirectory(at: exportsDir, includingPropertiesForKeys: nil)) ?? []
        for item in items where item.standardizedFileURL != keep?.standardizedFileURL {
            try? fm.removeItem(at: item)
        }
    }
    /// Reads the Keychain through the core, off the main thread.
    func isSignedIn() async -> Bool { (try? await client.isSignedIn()) ?? false }

    // Platform facts and background time
    func setConnectivity(online: Bool, metered: Bool) { client.setConnectivity(online: online, metered: metered) }
    func setVideoWifiOnly(_ enabled: Bool) async { try? await client.setVideoWifiOnly(enabled: enabled) }
    /// Bounded background work, then the reports whose status changed.
    func runPending(until deadline: Date) async throws -> (summary: RunSummary, changed: [ReportRow]) {
        // The province's config too, when the core says a day has passed, and a push token
        // the server does not have yet.
        await refreshTenantIfDue()
        await registerPendingPushToken()
        let summary = try await client.runPending(deadline: deadline)
        var changed: [ReportRow] = []
        for id in try await client.syncMyReports() {
            if let report = try await client.cachedReport(id: id) { changed.append(ReportRow(report)) }
        }
        // My reports' photos and the answers' photos and video posters, kept for viewing
        // offline (a video is fetched when played; a cut download resumes next time;
        // cancelled with the task when time is up).
        if Date() < deadline { _ = try? await client.keepMyReportMedia() }
        return (summary, changed)
    }
}

/// Core listeners are called on a core thread; the closures hop to the main actor themselves.
final class OutboxCallback: OutboxListener, @unchecked Sendable {
    private let onSnapshot: @Sendable (OutboxSnapshot) -> Void
    init(_ onSnapshot: @escaping @Sendable (OutboxSnapshot) -> Void) { self.onSnapshot = onSnapshot }
    func onOutbox(snapshot: OutboxSnapshot) { onSnapshot(snapshot) }
}

final class ReportsCallback: ReportsListener, @unchecked Sendable {
    private let onSnapshot: @Sendable (ReportsSnapshot) -> Void
    init(_ onSnapshot: @escaping @Sendable (ReportsSnapshot) -> Void) { self.onSnapshot = onSnapshot }
    func onReports(snapshot: ReportsSnapshot) { onSnapshot(snapshot) }
}

/// Resolved or closed cases are past their deadline by definition, not overdue.
private let openStatuses: Set<ReportStatus> = [.received, .forwarded, .inProgress, .reopened]

extension ReportRow {
    init(_ r: Report) {
        let overdue = r.deadline.map { $0 < Date() && openStatuses.contains(r.status) } ?? false
        self.init(id: r.id, categoryCode: r.category, description: r.description, wardName: r.ward?.fullName,
                  status: r.status, localState: nil, createdAt: r.createdAt, deadline: r.deadline, overdue: overdue,
                  thumbnail: thumbnailOf(r.media, keep: true), distanceMeters: nil, unread: false)
    }

    init(_ f: FeedItem, distanceMeters: Double?) {
        self.init(id: f.id, categoryCode: f.category, description: f.description, wardName: f.ward?.fullName,
                  status: f.status, localState: nil, createdAt: f.createdAt, deadline: nil, overdue: false,
                  thumbnail: thumbnailOf(f.media, keep: false), distanceMeters: distanceMeters, unread: false)
    }
}

extension DetailInfo {
    init(_ r: Report) {
        // The unit's answer is its latest response/resolution message.
        let answer = r.timeline.last { ($0.kind == .response || $0.kind == .resolved) && $0.message != nil }
        self.init(
            row: ReportRow(r),
            photos: r.media.filter { $0.kind == .photo }.map { .remote($0, keep: true) },
            unitName: r.unit?.name,
            timeline: r.timeline.map { TimelineItem(id: $0.id, at: $0.at, status: $0.status, unitName: $0.unit?.name, message: $0.message) },
            answerText: answer?.message,
            answerUnit: answer?.unit?.name ?? r.unit?.name,
            answerAt: answer?.at,
            answerPhotos: answer?.media.filter { $0.kind == .photo }.map { .remote($0, keep: true) } ?? [],
            duplicateOf: r.duplicateOf,
            myRatingLevel: r.myRating?.level,
            canRate: r.status == .resolved,
            closure: ClosureInfo(r),
            videoPosters: posters(ofVideosIn: r.media, keep: true),
            answerVideoPosters: posters(ofVideosIn: answer?.media ?? [], keep: true)
        )
    }
}
