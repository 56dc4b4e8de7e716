import MapKit
import PhanAnhCore
import SwiftUI

/// Pin adjustment: the pin stays in the centre and the user moves the map under it; arrow
/// buttons move it by 10 m for VoiceOver users and unsteady hands.
struct LocationPickerView: View {
    let start: LocationFix
    let onConfirm: (LocationFix) -> Void
    @State private var region: MKCoordinateRegion

    init(start: LocationFix, onConfirm: @escaping (LocationFix) -> Void) {
        self.start = start
        self.onConfirm = onConfirm
        _region = State(initialValue: MKCoordinateRegion(
            center: CLLocationCoordinate2D(latitude: start.lat, longitude: start.lon),
            latitudinalMeters: 300, longitudinalMeters: 300))
    }

    var body: some View {
        NavigationStack {
            VStack(spacing: 12) {
                ZStack {
                    Map(coordinateRegion: $region)
                    Image(systemName: "mappin").font(.system(size: 44)).foregroundStyle(.red).offset(y: -22)
                        .accessibilityHidden(true)
                }
                Text(tr("picker_hint")).font(.callout).foregroundStyle(.secondary)
                Text(String(format: "%.5f, %.5f", region.center.latitude, region.center.longitude)).font(.footnote)
                HStack(spacing: 12) {
                    nudge("chevron.up", tr("picker_move_north")) { move(north: 10, east: 0) }
                    nudge("chevron.down", tr("picker_move_south")) { move(north: -10, east: 0) }
                    nudge("chevron.left", tr("picker_move_west")) { move(north: 0, east: -10) }
                    nudge("chevron.right", tr("picker_move_east")) { move(north: 0, east: 10) }
                }
                PrimaryButton(title: tr("picker_confirm")) {
                    onConfirm(LocationFix(lat: region.center.latitude, lon: region.center.longitude, accuracyM: nil,
                                          altitudeM: nil, time: Date(), source: .manual))
                }
                .padding(.horizontal)
            }
            .navigationTitle(tr("picker_title"))
            .navigationBarTitleDisplayMode(.inline)
        }
    }

    private func move(north: Double, east: Double) {
        let metersPerDegree = 111_320.0
        region.center.latitude += north / metersPerDegree
        region.center.longitude += east / (metersPerDegree * cos(region.center.latitude * .pi / 180))
    }

    private func nudge(_ symbol: String, _ label: String, action: @escaping () -> Void) -> some View {
        Button(action: action) { Image(systemName: symbol).frame(width: minTouch, height: minTouch) }
            .buttonStyle(.bordered)
            .accessibilityLabel(label)
    }
}
