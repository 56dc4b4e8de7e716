import PhanAnhCore
import SwiftUI

@MainActor
final class HomeModel: ObservableObject {
    enum Tab: Hashable { case mine, nearby }

    @Published var tab: Tab = .mine
    @Published private(set) var mine: [ReportRow] = []
    @Published private(set) var feed: [ReportRow] = []
    /// The feed covers the device's surroundings (a position was known), not the whole province.
    @Published private(set) var feedIsNearby = false
    @Published private(set) var pendingOutbox = 0
    @Published private(set) var loading = false
    @Published private(set) var error: Error?
    @Published var query = ""
    @Published var category: String?
    let core: CoreService

    private var watches: [TaskHandle] = []

    init(core: CoreService) { self.core = core }

    var categories: [PhanAnhCore.Category] { core.config.categories }

    /// My reports and the outbox badge follow the core's streams (replayed at once, then changes).
    func start() {
        guard watches.isEmpty else { return }
        do {
            watches.append(try core.watchReports { [weak self] snap in
                Task { @MainActor in self?.mine = snap.reports.map(ReportRow.init) }
            })
            watches.append(try core.watchOutbox { [weak self] snap in
                Task { @MainActor in
                    self?.pendingOutbox = snap.entries.filter { if case .submitted = $0.item.state { return false } else { return true } }.count
                }
            })
        } catch {
            self.error = error
        }
    }

    func stop() {
        watches.forEach { $0.cancel() }
        watches = []
    }

    func refresh() async {
        loading = true
        defer { loading = false }
        do {
            switch tab {
            case .mine: _ = try await core.client.syncMyReports() // the stream delivers the result
            case .nearby:
                // "Nearby" only with a position the device already has; else the whole province.
                let here = AppEnvironment.shared.location.fix
                feed = try await core.publicFeed(query: query, category: category, near: here)
                feedIsNearby = here != nil
            }
            error = nil
        } catch {
            self.error = error
        }
    }
}

struct HomeView: View {
    @StateObject var model: HomeModel
    @Binding var path: [Route]

    var body: some View {
        VStack(spacing: 0) {
            Picker("", selection: $model.tab) {
                Text(tr("home_tab_mine")).tag(HomeModel.Tab.mine)
                Text(tr("home_tab_public")).tag(HomeModel.Tab.nearby)
            }
            .pickerStyle(.segmented)
            .padding()
            if let error = model.error {
                ErrorBanner(error: error) { Task { await model.refresh() } }.padding(.horizontal)
            }
            List {
                if model.tab == .nearby {
                    TextField(tr("feed_search"), text: $model.query)
                        .textFieldStyle(.roundedBorder)
                        .submitLabel(.search)
                        .onSubmit { Task { await model.refresh() } }
                    ScrollView(.horizontal, showsIndicators: false) {
                        HStack {
                            chip(tr("feed_all_categories"), selected: model.category == nil) { model.category = nil }
                            ForEach(model.categories, id: \.code) { c in
                                chip(c.name, selected: model.category == c.code) { model.category = c.code }
                            }
                        }
                    }
                    // Says truly what the list covers.
                    Label(model.feedIsNearby ? tr("feed_nearby", distanceText(Nearby.radiusM))
                                             : tr("feed_province", model.core.config.provinceName),
                          systemImage: "location")
                        .font(.subheadline.bold())
                        .accessibilityAddTraits(.isHeader)
                    Button { path.append(.map) } label: { Label(tr("map_open"), systemImage: "map") }
                        .frame(minHeight: minTouch)
                }
                let rows = model.tab == .mine ? model.mine : model.feed
                if rows.isEmpty && !model.loading {
                    Text(tr(model.tab == .mine ? "home_empty_mine" : (model.feedIsNearby ? "feed_empty_nearby" : "feed_empty"))).foregroundStyle(.secondary)
                }
                ForEach(rows) { row in
                    Button { path.append(.detail(row.id)) } label: { ReportRowView(row: row) }
                        .buttonStyle(.plain)
                }
            }
            .listStyle(.plain)
            .refreshable { await model.refresh() }
        }
        .safeAreaInset(edge: .bottom) {
            PrimaryButton(title: tr("home_new_report")) { path.append(.newReport) }
                .padding()
        }
        .navigationTitle(tr("app_name"))
        .toolbar {
            ToolbarItem(placement: .navigationBarTrailing) {
                Button { path.append(.outbox) } label: {
                    Image(systemName: "paperplane").overlay(alignment: .topTrailing) {
                        if model.pendingOutbox > 0 {
                            Text("\(model.pendingOutbox)").font(.caption2.bold()).foregroundStyle(.white)
                                .padding(4).background(Circle().fill(.red)).offset(x: 10, y: -10)
                        }
                    }
                }
                .frame(minWidth: minTouch, minHeight: minTouch)
                .accessibilityLabel(model.pendingOutbox > 0 ? tr("home_outbox_pending", model.pendingOutbox) : tr("outbox_title"))
            }
            ToolbarItem(placement: .navigationBarTrailing) {
                Button { path.append(.drafts) } label: { Image(systemName: "square.and.pencil") }
                    .frame(minWidth: minTouch, minHeight: minTouch)
                    .accessibilityLabel(tr("home_drafts"))
                Button { path.append(.notices) } label: { Image(systemName: "bell") }
                    .frame(minWidth: minTouch, minHeight: minTouch)
                    .accessibilityLabel(tr("notices_title"))
            }
            ToolbarItem(placement: .navigationBarTrailing) {
                Button { path.append(.settings) } label: { Image(systemName: "gearshape") }
                    .frame(minWidth: minTouch, minHeight: minTouch)
                    .accessibilityLabel(tr("settings_title"))
            }
        }
        .onAppear { model.start() }
        .onDisappear { model.stop() }
        .task(id: model.tab) { await model.refresh() }
        .onChange(of: model.category) { _ in Task { await model.refresh() } }
    }

    private func chip(_ title: String, selected: Bool, action: @escaping () -> Void) -> some View {
        Button(action: action) {
            Text(title).padding(.horizontal, 14).frame(minHeight: 44)
                .background(selected ? Color.accentColor.opacity(0.2) : Color(.secondarySystemBackground), in: Capsule())
        }
        .buttonStyle(.plain)
        .accessibilityAddTraits(selected ? .isSelected : [])
    }
}

/// One report in a list, read by VoiceOver as one sentence.
struct ReportRowView: View {
    let row: ReportRow
    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Thumbnail(row.thumbnail)
            VStack(alignment: .leading, spacing: 4) {
                HStack {
                    Text(categoryName(row.categoryCode)).font(.headline)
                    if row.unread { Text(tr("home_new_badge")).font(.caption.bold()).foregroundStyle(.white).padding(.horizontal, 6).background(Capsule().fill(.red)) }
                }
                Text(row.description).lineLimit(2)
                HStack {
                    if let status = row.status {
                        StatusBadge(status: status)
                    } else if let state = row.localState {
                        Text(deliveryText(state)).font(.subheadline).foregroundStyle(.blue)
                    }
                    if let d = row.distanceMeters { Text(tr("feed_distance", distanceText(d))).font(.subheadline).foregroundStyle(.secondary) }
                }
                Text([row.wardName, dateTimeText(row.createdAt)].compactMap { $0 }.joined(separator: " · "))
                    .font(.footnote).foregroundStyle(.secondary)
                if let deadline = row.deadline {
                    Text(tr(row.overdue ? "detail_overdue" : "detail_deadline_short", dateTimeText(deadline)))
                        .font(.footnote).foregroundStyle(row.overdue ? .red : .secondary)
                } else if let hours = categoryDeadlineHours(row.categoryCode) {
                    // The province's handling time for the category, from the tenant config.
                    Text(tr("category_deadline", hours)).font(.footnote).foregroundStyle(.secondary)
                }
            }
        }
        .padding(.vertical, 6)
        .accessibilityElement(children: .combine)
    }
}

/// The category's handling time in hours from the tenant config, if the province set one.
@MainActor
func categoryDeadlineHours(_ code: String) -> Int? {
    AppEnvironment.shared.core?.config.categories.first { $0.code == code }?.deadlineHours.map { Int($0) }
}

/// Category name from the tenant config, by code.
@MainActor
func categoryName(_ code: String) -> String {
    AppEnvironment.shared.core?.config.categories.first { $0.code == code }?.name ?? code
}
