package vn.phananh.ui.state

import kotlin.math.PI
import kotlin.math.atan
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.tan

/** A position in WGS84 degrees. */
data class GeoPoint(val lat: Double, val lon: Double)

/** A report on the map: its row (as in the feed) and where it is. */
data class MapMarker(val report: ReportSummary, val at: GeoPoint)

/** A ward's outline: closed rings. */
data class WardShape(val code: String, val name: String, val rings: List<List<GeoPoint>>)

/** One background tile of the tenant's tile source (Web-Mercator XYZ). */
data class MapTile(val z: Int, val x: Int, val y: Int, val url: String)

/**
 * Web-Mercator (the XYZ tile scheme): positions as pixels of the world at a zoom, 256 px tiles.
 * The presenter and the screen project with this one definition.
 */
object WebMercator {
    const val TILE_PX = 256
    const val MAX_LAT = 85.05112878

    fun worldPx(zoom: Int): Double = TILE_PX * (1 shl zoom).toDouble()

    /** Pixel x, y of a position at [zoom] (origin: north-west corner of the world). */
    fun project(p: GeoPoint, zoom: Int): Pair<Double, Double> {
        val lat = p.lat.coerceIn(-MAX_LAT, MAX_LAT) * PI / 180
        val size = worldPx(zoom)
        val x = (p.lon + 180) / 360 * size
        val y = (1 - ln(tan(lat) + 1 / kotlin.math.cos(lat)) / PI) / 2 * size
        return x to y
    }

    fun unproject(x: Double, y: Double, zoom: Int): GeoPoint {
        val size = worldPx(zoom)
        val lon = x / size * 360 - 180
        val n = PI * (1 - 2 * y / size)
        val lat = atan(0.5 * (exp(n) - exp(-n))) * 180 / PI
        return GeoPoint(lat, lon)
    }
}

/** What the map shows: [center] at [zoom] on a [widthPx] × [heightPx] view. */
data class MapViewport(val center: GeoPoint, val zoom: Int, val widthPx: Int = 0, val heightPx: Int = 0) {
    /** Pixel of [p] in the view (origin: top-left corner). */
    fun toScreen(p: GeoPoint): Pair<Double, Double> {
        val (cx, cy) = WebMercator.project(center, zoom)
        val (x, y) = WebMercator.project(p, zoom)
        return (x - cx + widthPx / 2.0) to (y - cy + heightPx / 2.0)
    }

    fun fromScreen(x: Double, y: Double): GeoPoint {
        val (cx, cy) = WebMercator.project(center, zoom)
        return WebMercator.unproject(cx + x - widthPx / 2.0, cy + y - heightPx / 2.0, zoom)
    }

    /** North-west and south-east corners of the view. */
    fun corners(): Pair<GeoPoint, GeoPoint> = fromScreen(0.0, 0.0) to fromScreen(widthPx.toDouble(), heightPx.toDouble())
}

/** The map of reports (Nearby → "Bản đồ"). */
data class MapState(
    val viewport: MapViewport,
    val minZoom: Int,
    val maxZoom: Int,
    val markers: List<MapMarker> = emptyList(),
    val outlines: List<WardShape> = emptyList(),
    /** Background tiles of the view; empty without a tile source or offline (markers and outlines still draw). */
    val tiles: List<MapTile> = emptyList(),
    /** The tile source's required credit; null without a tile source. */
    val attribution: String? = null,
    /** Offline: the markers come from the phone's copy of the feed, as of [fetchedAt]. */
    val fromCache: Boolean = false,
    val fetchedAt: EpochMillis? = null,
    val loading: Boolean = false,
    val error: UiError? = null,
)

sealed interface MapEvent {
    /** The map's size on screen, in pixels (on first layout and when it changes). */
    data class Resize(val widthPx: Int, val heightPx: Int) : MapEvent
    /** The resident dragged the map by this many pixels. */
    data class Pan(val dxPx: Float, val dyPx: Float) : MapEvent
    data object ZoomIn : MapEvent
    data object ZoomOut : MapEvent
    data object Refresh : MapEvent

    sealed interface Shell : MapEvent
    data class OpenReport(val id: String) : Shell
    data object Back : Shell
}
