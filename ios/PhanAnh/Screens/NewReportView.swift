import PhotosUI
import PhanAnhCore
import SwiftUI

@MainActor
final class NewReportModel: ObservableObject {
    @Published private(set) var draft: Draft?
    @Published private(set) var assessment: LocationAssessment?
    @Published private(set) var problems: [FieldError] = []
    @Published private(set) var error: Error?
    @Published private(set) var submitting = false
    @Published private(set) var submitted = false
    @Published var description = ""
    let core: CoreService
    let location: LocationService
    private var autosave: Task<Void, Never>?

    /// The draft to go on with (from the drafts list); nil starts a new one.
    private let openDraft: String?

    init(core: CoreService, location: LocationService, openDraft: String? = nil) {
        self.core = core
        self.location = location
        self.openDraft = openDraft
    }

    var config: TenantConfig { core.config }

    /// Ask the device for a new fix, waiting as the tenant's location policy says.
    func refreshLocation() { location.refresh(policy: core.config.location) }

    func start() async {
        guard draft == nil else { return }
        do {
            // A draft from the drafts list, or a new one: earlier drafts stay in the list.
            let d: Draft
            if let openDraft { d = try await core.draft(openDraft) } else { d = try await core.createDraft() }
            draft = d
            description = d.description
        } catch {
            self.error = error
        }
        location.refresh(policy: core.config.location)
    }

    /// Leaving the screen: a draft with nothing the user entered (no category, text or media)
    /// is not kept, so the drafts list and the unsent count hold only what the user wrote.
    func leave() {
        guard let d = draft, !submitted, d.category == nil, description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
              d.attachments.isEmpty else { return }
        let core = self.core
        Task { try? await core.deleteDraftIfEmpty(d.id) }
    }

    private func edit(_ edits: [DraftEdit]) async {
        guard let id = draft?.id else { return }
        do {
            draft = try await core.update(id, edits)
            error = nil
        } catch {
            self.error = error
        }
    }

    func select(category code: String) { Task { await edit([.category(code: code)]) } }
    func setAnonymous(_ on: Bool) { Task { await edit([.anonymous(anonymous: on)]) } }

    /// Autosave half a second after the last keystroke; nothing typed is lost on a kill.
    func descriptionChanged() {
        autosave?.cancel()
        let text = description
        autosave = Task {
            try? await Task.sleep(nanoseconds: 500_000_000)
            guard !Task.isCancelled else { return }
            await edit([.description(text: text)])
        }
    }

    private var deviceFixes: [LocationFix] = []

    /// A device fix: the core chooses among the recent ones and the photos' own positions,
    /// stores the choice in the draft, names the ward and says what to double-check.
    func useDeviceFix(_ fix: LocationFix) async {
        deviceFixes = Array((deviceFixes + [fix]).suffix(5))
        await relocate(extra: nil)
    }

    /// The user placed the pin here (a manual fix wins over GPS and photos).
    func placePin(_ fix: LocationFix) async {
        await relocate(extra: fix)
    }

    private func relocate(extra: LocationFix?) async {
        guard let id = draft?.id else { return }
        do {
            assessment = try await core.assessLocation(id, deviceFixes: deviceFixes + (extra.map { [$0] } ?? []))
            draft = try await core.draft(id)
        } catch {
            self.error = error
        }
    }

    func attach(_ url: URL) async {
        guard let id = draft?.id else { return }
        defer { MediaImport.discard(url) }
        do {
            _ = try await core.attach(id, path: url.path)
            draft = try await core.draft(id)
        } catch {
            self.error = error
        }
    }

    func remove(_ attachment: Attachment) async {
        do {
            try await core.removeAttachment(attachment.id)
            if let id = draft?.id { draft = try await core.draft(id) }
        } catch {
            self.error = error
        }
    }

    func submit() async {
        guard let id = draft?.id else { return }
        submitting = true
        defer { submitting = false }
        autosave?.cancel()
        await edit([.description(text: description)])
        do {
            problems = try await core.validate(id)
            guard problems.isEmpty else { return }
            _ = try await core.submit(id)
            AppEnvironment.shared.background.schedule()
            submitted = true
        } catch PhanAnhError.Validation(let errors) {
            problems = errors
        } catch {
            self.error = error
        }
    }
}

struct NewReportView: View {
    @StateObject var model: NewReportModel
    let onDone: () -> Void
    @ObservedObject private var strings = Strings.shared
    @ObservedObject private var location = AppEnvironment.shared.location
    @State private var picked: [PhotosPickerItem] = []
    @State private var camera: CaptureKind?
    @State private var adjusting = false

    var body: some View {
        Form {
            if let error = model.error { ErrorBanner(error: error) }
            mediaSection
            locationSection
            categorySection
            if let draft = model.draft {
                MeTooSection(model: MeTooModel(core: model.core), draft: draft, onDiscarded: onDone)
            }
            Section(tr("new_report_description")) {
                TextField(tr("new_report_description_hint"), text: $model.description, axis: .vertical)
                    .lineLimit(4...10)
                    .onChange(of: model.description) { _ in model.descriptionChanged() }
                Text(tr("new_report_char_count", model.description.count, Int(model.config.descriptionMaxChars)))
                    .font(.footnote).foregroundStyle(.secondary).frame(maxWidth: .infinity, alignment: .trailing)
                FieldErrors(problems: model.problems.forField("description"))
            }
            Section {
                Toggle(isOn: Binding(get: { model.draft?.anonymous ?? false }, set: { model.setAnonymous($0) })) {
                    VStack(alignment: .leading) {
                        Text(tr("new_report_anonymous"))
                        Text(tr("new_report_anonymous_hint")).font(.footnote).foregroundStyle(.secondary)
                    }
                }
                .frame(minHeight: minTouch)
            }
            Section {
                PrimaryButton(title: tr("new_report_send"), busy: model.submitting) { Task { await model.submit() } }
                Text(tr("new_report_send_hint")).font(.footnote).foregroundStyle(.secondary)
            }
        }
        .navigationTitle(tr("new_report_title"))
        .task { await model.start() }
        // Not while the camera covers the screen (a full-screen cover also makes it disappear).
        .onDisappear { if camera == nil { model.leave() } }
        .onChange(of: model.submitted) { done in if done { onDone() } }
        .onChange(of: location.fix) { fix in if let fix { Task { await model.useDeviceFix(fix) } } }
        .onChange(of: picked) { items in
            Task {
                for item in items {
                    if let url = try? await MediaImport.file(for: item) { await model.attach(url) }
                }
                picked = []
            }
        }
        .fullScreenCover(item: $camera) { kind in
            CameraCaptureView(kind: kind, maxVideoSeconds: Int(model.config.media.maxVideoSeconds), onCaptured: { url in
                Task { @MainActor in
                    camera = nil
                    await model.attach(url)
                }
            }, onCancel: { Task { @MainActor in camera = nil } })
            .ignoresSafeArea()
        }
        .sheet(isPresented: $adjusting) {
            if let fix = location.fix ?? model.draft?.location {
                LocationPickerView(start: fix) { chosen in
                    adjusting = false
                    Task { await model.placePin(chosen) }
                }
            }
        }
    }

    private var photos: Int { model.draft?.attachments.filter { $0.kind == .photo }.count ?? 0 }
    private var videos: Int { model.draft?.attachments.filter { $0.kind == .video }.count ?? 0 }

    private var mediaSection: some View {
        Section(tr("new_report_media", photos, Int(model.config.media.maxPhotos))) {
            HStack {
                Button { camera = .photo } label: { Label(tr("action_take_photo"), systemImage: "camera.fill").frame(maxWidth: .infinity, minHeight: minTouch) }
                    .buttonStyle(.bordered).disabled(photos >= Int(model.config.media.maxPhotos))
                Button { camera = .video } label: { Label(tr("action_record_video"), systemImage: "video.fill").frame(maxWidth: .infinity, minHeight: minTouch) }
                    .buttonStyle(.bordered).disabled(videos >= Int(model.config.media.maxVideos))
            }
            PhotosPicker(selection: $picked, maxSelectionCount: max(1, Int(model.config.media.maxPhotos) - photos), matching: .any(of: [.images, .videos])) {
                Text(tr("action_pick_gallery")).frame(maxWidth: .infinity, minHeight: minTouch)
            }
            Text(tr("new_report_video_limit", Int(model.config.media.maxVideoSeconds))).font(.footnote).foregroundStyle(.secondary)
            if let attachments = model.draft?.attachments, !attachments.isEmpty {
                ScrollView(.horizontal) {
                    HStack {
                        ForEach(Array(attachments.enumerated()), id: \.element.id) { index, a in
                            let name = tr(a.kind == .video ? "attachment_video_n" : "attachment_photo_n", index + 1)
                            ZStack(alignment: .topTrailing) {
                                Thumbnail(path: a.path, size: 96)
                                Button { Task { await model.remove(a) } } label: {
                                    Image(systemName: "xmark.circle.fill").font(.title2).symbolRenderingMode(.palette).foregroundStyle(.white, .black.opacity(0.6))
                                }
                                .frame(width: 44, height: 44)
                                .accessibilityLabel(tr("attachment_remove", name))
                            }
                        }
                    }
                }
            }
            FieldErrors(problems: model.problems.forField("attachments"))
        }
    }

    private var locationSection: some View {
        Section(tr("new_report_location")) {
            switch location.status {
            case .denied:
                Text(tr("location_permission_denied"))
                Button(tr("location_allow")) { UIApplication.shared.open(URL(string: UIApplication.openSettingsURLString)!) }.frame(minHeight: minTouch)
            case .unavailable where location.fix == nil:
                Text(tr("location_unavailable"))
            case .acquiring where location.fix == nil:
                HStack { ProgressView(); Text(tr("location_acquiring")) }
            default:
                VStack(alignment: .leading, spacing: 4) {
                    let lookup = model.assessment?.lookup
                    Text(lookup?.ward?.fullName ?? tr("location_no_ward")).font(.headline)
                    if lookup?.insideProvince == true { Text(model.config.provinceName) }
                    if let fix = model.assessment?.fix ?? location.fix {
                        Text(String(format: "%.5f, %.5f", fix.lat, fix.lon)).font(.footnote).foregroundStyle(.secondary)
                    }
                    ForEach(Array((model.assessment?.warnings ?? []).enumerated()), id: \.offset) { _, warning in
                        Label(warningText(warning), systemImage: "exclamationmark.triangle.fill").foregroundStyle(.orange)
                    }
                }
                .accessibilityElement(children: .combine)
            }
            HStack {
                Button { model.refreshLocation() } label: { Label(tr("location_refresh"), systemImage: "location").frame(maxWidth: .infinity, minHeight: minTouch) }
                    .buttonStyle(.bordered)
                Button { adjusting = true } label: { Label(tr("location_adjust"), systemImage: "mappin.and.ellipse").frame(maxWidth: .infinity, minHeight: minTouch) }
                    .buttonStyle(.bordered)
            }
            FieldErrors(problems: model.problems.forField("location"))
        }
    }

    private var categorySection: some View {
        Section(tr("new_report_category")) {
            LazyVGrid(columns: [GridItem(.flexible()), GridItem(.flexible())], spacing: 8) {
                ForEach(model.config.categories, id: \.code) { c in
                    let selected = model.draft?.category == c.code
                    Button { model.select(category: c.code) } label: {
                        HStack {
                            Image(systemName: categorySymbol(c.code))
                            VStack(alignment: .leading, spacing: 2) {
                                Text(c.name).multilineTextAlignment(.leading)
                                // The province's handling time for this kind of problem, before sending.
                                if let hours = c.deadlineHours {
                                    Text(tr("category_deadline", Int(hours))).font(.caption).foregroundStyle(.secondary)
                                }
                            }
                            Spacer(minLength: 0)
                        }
                        .padding(10)
                        .frame(maxWidth: .infinity, minHeight: 64)
                        .background(selected ? Color.accentColor.opacity(0.15) : Color(.secondarySystemBackground), in: RoundedRectangle(cornerRadius: 12))
                        .overlay(RoundedRectangle(cornerRadius: 12).stroke(selected ? Color.accentColor : .clear, lineWidth: 2))
                    }
                    .buttonStyle(.plain)
                    .accessibilityAddTraits(selected ? [.isSelected] : [])
                }
            }
            FieldErrors(problems: model.problems.forField("category"))
        }
    }
}

extension CaptureKind: Identifiable {
    var id: Self { self }
}
