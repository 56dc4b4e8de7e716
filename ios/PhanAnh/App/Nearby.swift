import Foundation
import PhanAnhCore

/// "Nearby": the feed asked for a box around the device, rows ordered by their distance.
enum Nearby {
    /// Radius of the nearby feed, in metres.
    static let radiusM: Double = 2_000
    private static let earthRadiusM = 6_371_000.0

    /// The box that holds every point within `radiusM` of the centre: a degree of latitude is
    /// the same length everywhere, a degree of longitude shrinks with cos(latitude).
    static func box(lat: Double, lon: Double, radiusM: Double) -> BoundingBox {
        let dLat = (radiusM / earthRadiusM) * 180 / .pi
        let cosLat = max(cos(lat * .pi / 180), 1e-6)
        let dLon = min((radiusM / (earthRadiusM * cosLat)) * 180 / .pi, 180)
        return BoundingBox(minLon: max(lon - dLon, -180), minLat: max(lat - dLat, -90),
                           maxLon: min(lon + dLon, 180), maxLat: min(lat + dLat, 90))
    }

    /// Great-circle distance in metres (haversine).
    static func distanceM(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let p1 = lat1 * .pi / 180
        let p2 = lat2 * .pi / 180
        let dp = p2 - p1
        let dl = (lon2 - lon1) * .pi / 180
        let h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
        return 2 * earthRadiusM * asin(min(1, h.squareRoot()))
    }
}
