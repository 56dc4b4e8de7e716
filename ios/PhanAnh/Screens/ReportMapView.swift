import MapKit
import PhanAnhCore
import SwiftUI

/// The map of reports: the reports inside the view (the server's when online, the phone's copy
/// of the feed offline), the ward outlines from the boundaries the core holds (offline too),
/// and the province's tile source (`map.tile_url_template`) with its credit. Offline the tiles
/// do not load; markers and outlines still draw.
@MainActor
final class ReportMapModel: ObservableObject {
    /// Point budget of the ward outlines of one view.
    static let outlinePoints: UInt32 = 3_000

    @Published private(set) var reports: [FeedItem] = []
    @Published private(set) var outlines: [WardOutline] = []
    @Published private(set) var fromCache = false
    @Published private(set) var fetchedAt: Date?
    @Published private(set) var error: Error?
    @Published var region: MKCoordinateRegion
    let core: CoreService
    let map: MapConfig

    init(core: CoreService, location: LocationService) {
        self.core = core
        map = core.config.map
        // Around where the device was last (~2 km across); else Vietnam until the reports load.
        let here = location.fix.map { CLLocationCoordinate2D(latitude: $0.lat, longitude: $0.lon) }
        region = MKCoordinateRegion(center: here ?? CLLocationCoordinate2D(latitude: 16.0, longitude: 106.0),
                                    span: here == nil ? MKCoordinateSpan(latitudeDelta: 8, longitudeDelta: 8)
                                                      : MKCoordinateSpan(latitudeDelta: 0.02, longitudeDelta: 0.02))
    }

    /// The view's box for the core (west, south, east, north), within the globe.
    private var box: BoundingBox {
        let c = region.center
        let s = region.span
        return BoundingBox(minLon: max(c.longitude - s.longitudeDelta / 2, -180),
                           minLat: max(c.latitude - s.latitudeDelta / 2, -90),
                           maxLon: min(c.longitude + s.longitudeDelta / 2, 180),
                           maxLat: min(c.latitude + s.latitudeDelta / 2, 90))
    }

    func load() async {
        let box = box
        outlines = (try? await core.wardOutlines(box, maxPoints: Self.outlinePoints))?.outlines ?? []
        do {
            let page = try await core.mapReports(box)
            reports = page.items
            fromCache = page.fromCache
            fetchedAt = page.fetchedAt
            error = nil
        } catch {
            reports = []
            self.error = error
        }
    }
}

struct ReportMapView: View {
    @StateObject var model: ReportMapModel
    @Binding var path: [Route]

    var body: some View {
        VStack(spacing: 0) {
            if let error = model.error { ErrorBanner(error: error) { Task { await model.load() } }.padding(.horizontal) }
            if model.fromCache, let at = model.fetchedAt {
                Label(tr("map_from_cache", dateTimeText(at)), systemImage: "wifi.slash").font(.footnote).padding(8)
            }
            ZStack(alignment: .bottomTrailing) {
                TiledMap(region: $model.region, tileTemplate: model.map.tileUrlTemplate,
                         minZoom: Int(model.map.minZoom), maxZoom: Int(model.map.maxZoom),
                         reports: model.reports, outlines: model.outlines) { id in path.append(.detail(id)) }
                    .accessibilityLabel(tr("map_description", model.reports.count,
                                           model.outlines.map { $0.ward.fullName }.joined(separator: ", ")))
                if model.map.tileUrlTemplate != nil {
                    // The tile source's required credit, on the map whenever it is.
                    Text(model.map.attribution).font(.caption2).padding(.horizontal, 6).padding(.vertical, 2)
                        .background(Color.white.opacity(0.8)).foregroundStyle(.black)
                }
            }
            List {
                Text(tr("map_reports_in_view", model.reports.count)).font(.subheadline.bold())
                ForEach(model.reports, id: \.id) { item in
                    Button { path.append(.detail(item.id)) } label: { ReportRowView(row: ReportRow(item, distanceMeters: nil)) }
                        .buttonStyle(.plain)
                }
            }
            .listStyle(.plain)
        }
        .navigationTitle(tr("map_title"))
        .task { await model.load() }
        .onChange(of: model.region.center.latitude) { _ in Task { await model.load() } }
        .onChange(of: model.region.span.latitudeDelta) { _ in Task { await model.load() } }
    }
}

/// MKMapView in SwiftUI: SwiftUI's `Map` cannot draw an `MKTileOverlay`, which the province's
/// own tile source needs. Tiles replace Apple's map (one source, one credit); ward outlines are
/// `MKPolygon` overlays above them; reports are annotations (tap → the report).
struct TiledMap: UIViewRepresentable {
    @Binding var region: MKCoordinateRegion
    let tileTemplate: String?
    let minZoom: Int
    let maxZoom: Int
    let reports: [FeedItem]
    let outlines: [WardOutline]
    let onOpen: (String) -> Void

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    func makeUIView(context: Context) -> MKMapView {
        let view = MKMapView()
        view.delegate = context.coordinator
        view.pointOfInterestFilter = .excludingAll
        if let tileTemplate {
            let tiles = MKTileOverlay(urlTemplate: tileTemplate)
            tiles.canReplaceMapContent = true
            tiles.minimumZ = minZoom
            tiles.maximumZ = maxZoom
            view.addOverlay(tiles, level: .aboveLabels)
        }
        view.setRegion(region, animated: false)
        return view
    }

    func updateUIView(_ view: MKMapView, context: Context) {
        context.coordinator.parent = self
        view.removeAnnotations(view.annotations)
        view.addAnnotations(reports.map(ReportPin.init))
        view.removeOverlays(view.overlays.filter { $0 is MKPolygon })
        for w in outlines {
            for ring in w.rings {
                let coords = ring.map { CLLocationCoordinate2D(latitude: $0.lat, longitude: $0.lon) }
                let polygon = MKPolygon(coordinates: coords, count: coords.count)
                polygon.title = w.ward.fullName
                view.addOverlay(polygon, level: .aboveLabels)
            }
        }
    }

    final class Coordinator: NSObject, MKMapViewDelegate {
        var parent: TiledMap
        init(_ parent: TiledMap) { self.parent = parent }

        func mapView(_ mapView: MKMapView, rendererFor overlay: MKOverlay) -> MKOverlayRenderer {
            if let tiles = overlay as? MKTileOverlay { return MKTileOverlayRenderer(tileOverlay: tiles) }
            if let polygon = overlay as? MKPolygon {
                let r = MKPolygonRenderer(polygon: polygon)
                r.strokeColor = UIColor(red: 0.42, green: 0.11, blue: 0.60, alpha: 1)
                r.lineWidth = 2
                r.fillColor = .clear
                return r
            }
            return MKOverlayRenderer(overlay: overlay)
        }

        func mapView(_ mapView: MKMapView, regionDidChangeAnimated animated: Bool) {
            parent.region = mapView.region
        }

        func mapView(_ mapView: MKMapView, didSelect view: MKAnnotationView) {
            if let pin = view.annotation as? ReportPin { parent.onOpen(pin.id) }
        }
    }
}

/// A report on the map: its category as the title, its description as the subtitle.
final class ReportPin: NSObject, MKAnnotation {
    let id: String
    let coordinate: CLLocationCoordinate2D
    let title: String?
    let subtitle: String?

    init(_ item: FeedItem) {
        id = item.id
        coordinate = CLLocationCoordinate2D(latitude: item.lat, longitude: item.lon)
        title = categoryName(item.category)
        subtitle = item.description
    }
}
