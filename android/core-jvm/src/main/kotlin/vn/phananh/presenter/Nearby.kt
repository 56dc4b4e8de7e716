package vn.phananh.presenter

import kotlin.math.asin
import kotlin.math.cos
import kotlin.math.max
import kotlin.math.min
import kotlin.math.sin
import kotlin.math.sqrt
import vn.phananh.core.BoundingBox

// "Nearby": the feed asked for a box around the device, rows ordered by their distance.

private const val EARTH_RADIUS_M = 6_371_000.0

/** Default radius of the nearby feed. */
const val NEARBY_RADIUS_M = 2_000

/**
 * The box that holds every point within [radiusM] of ([lat], [lon]): a degree of latitude is
 * the same length everywhere, a degree of longitude shrinks with cos(latitude).
 */
fun boundingBox(lat: Double, lon: Double, radiusM: Double): BoundingBox {
    val dLat = Math.toDegrees(radiusM / EARTH_RADIUS_M)
    val cosLat = max(cos(Math.toRadians(lat)), 1e-6)
    val dLon = min(Math.toDegrees(radiusM / (EARTH_RADIUS_M * cosLat)), 180.0)
    return BoundingBox(
        minLon = max(lon - dLon, -180.0),
        minLat = max(lat - dLat, -90.0),
        maxLon = min(lon + dLon, 180.0),
        maxLat = min(lat + dLat, 90.0),
    )
}

/** Great-circle distance in metres (haversine). */
fun distanceMeters(lat1: Double, lon1: Double, lat2: Double, lon2: Double): Double {
    val p1 = Math.toRadians(lat1)
    val p2 = Math.toRadians(lat2)
    val dp = p2 - p1
    val dl = Math.toRadians(lon2 - lon1)
    val h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
    return 2 * EARTH_RADIUS_M * asin(sqrt(min(1.0, h)))
}
