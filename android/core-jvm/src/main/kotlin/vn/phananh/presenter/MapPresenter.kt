package vn.phananh.presenter

import kotlin.math.floor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.BoundingBox
import vn.phananh.core.FeedQuery
import vn.phananh.data.MapRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.GeoPoint
import vn.phananh.ui.state.MapEvent
import vn.phananh.ui.state.MapMarker
import vn.phananh.ui.state.MapState
import vn.phananh.ui.state.MapTile
import vn.phananh.ui.state.MapViewport
import vn.phananh.ui.state.WardShape
import vn.phananh.ui.state.WebMercator

/** Zoom the map opens at around the device (a couple of kilometres across a phone screen). */
const val MAP_START_ZOOM = 14

/** Point budget of the ward outlines of one view (a few per on-screen pixel of border). */
const val MAP_OUTLINE_POINTS = 3_000

/**
 * The map of reports: markers are the reports inside the view (the core asks the feed for the
 * view's box; offline, its cached pages), ward outlines come from the boundaries the core holds
 * (offline too), background tiles from the tenant's tile source when online, with its credit.
 * Opens around [devicePosition]; without one, around the province's reports.
 */
class MapPresenter(
    private val repo: MapRepository,
    private val scope: CoroutineScope,
    private val devicePosition: suspend () -> GeoPoint?,
) : vn.phananh.presenter.Presenter<MapState, MapEvent> {
    private val map = repo.config().map
    private val minZoom = map.minZoom.toInt()
    private val maxZoom = map.maxZoom.toInt()
    private val _state = MutableStateFlow(
        MapState(
            viewport = MapViewport(GeoPoint(0.0, 0.0), MAP_START_ZOOM.coerceIn(minZoom, maxZoom)),
            minZoom = minZoom,
            maxZoom = maxZoom,
            attribution = map.attribution.takeIf { map.tileUrlTemplate != null },
        ),
    )
    override val state: StateFlow<MapState> = _state.asStateFlow()
    private var centred = false
    private var loading: Job? = null

    override fun onEvent(event: MapEvent) {
        when (event) {
            is MapEvent.Resize -> move { it.copy(widthPx = event.widthPx, heightPx = event.heightPx) }
            is MapEvent.Pan -> move { v ->
                val c = v.fromScreen(v.widthPx / 2.0 - event.dxPx, v.heightPx / 2.0 - event.dyPx)
                v.copy(center = GeoPoint(c.lat.coerceIn(-WebMercator.MAX_LAT, WebMercator.MAX_LAT), ((c.lon + 540) % 360) - 180))
            }
            MapEvent.ZoomIn -> move { it.copy(zoom = (it.zoom + 1).coerceAtMost(maxZoom)) }
            MapEvent.ZoomOut -> move { it.copy(zoom = (it.zoom - 1).coerceAtLeast(minZoom)) }
            MapEvent.Refresh -> load()
            is MapEvent.Shell -> Unit
        }
    }

    private fun move(change: (MapViewport) -> MapViewport) {
        val before = _state.value.viewport
        val after = change(before)
        if (after == before) return
        _state.update { it.copy(viewport = after) }
        load()
    }

    private fun load() {
        if (_state.value.viewport.widthPx <= 0 || _state.value.viewport.heightPx <= 0) return
        loading?.cancel()
        _state.update { it.copy(loading = true, error = null) }
        loading = scope.launch {
            if (!centred) centre()
            val view = _state.value.viewport
            val box = view.box()
            val config = repo.config()
            val outlines = runCatchingExceptions { repo.wardOutlines(box, MAP_OUTLINE_POINTS) }.getOrNull()
            val shapes = outlines?.outlines.orEmpty().map { o ->
                WardShape(o.ward.code, o.ward.fullName, o.rings.map { r -> r.map { GeoPoint(it.lat, it.lon) } })
            }
            runCatchingExceptions { repo.mapReports(box, null) }
                .onSuccess { page ->
                    _state.update { s ->
                        s.copy(
                            markers = page.items.map { MapMarker(it.toSummary(config), GeoPoint(it.lat, it.lon)) },
                            outlines = shapes,
                            // Tiles only when the network answered: offline the map is markers and outlines.
                            tiles = if (page.fromCache) emptyList() else tilesOf(view),
                            fromCache = page.fromCache,
                            fetchedAt = page.fetchedAt.millis(),
                            loading = false,
                        )
                    }
                }
                .onFailure { e ->
                    _state.update { it.copy(outlines = shapes, markers = emptyList(), tiles = emptyList(), loading = false, error = e.toUiError()) }
                }
        }
    }

    /** Around the device; without its position, the middle of the province's reports (the feed's first page). */
    private suspend fun centre() {
        runCatchingExceptions { devicePosition() }.getOrNull()?.let { p ->
            centred = true
            _state.update { it.copy(viewport = it.viewport.copy(center = p)) }
            return
        }
        val items = runCatchingExceptions { repo.mapReports(BoundingBox(-180.0, -85.0, 180.0, 85.0), null) }.getOrNull()?.items.orEmpty()
        centred = true
        if (items.isEmpty()) return
        val c = GeoPoint(items.map { it.lat }.average(), items.map { it.lon }.average())
        _state.update { it.copy(viewport = it.viewport.copy(center = c, zoom = (MAP_START_ZOOM - 4).coerceIn(minZoom, maxZoom))) }
    }

    private fun tilesOf(view: MapViewport): List<MapTile> {
        val template = map.tileUrlTemplate ?: return emptyList()
        val (nw, se) = view.corners()
        val (x0, y0) = WebMercator.project(nw, view.zoom)
        val (x1, y1) = WebMercator.project(se, view.zoom)
        val n = 1 shl view.zoom
        val px = WebMercator.TILE_PX.toDouble()
        val tiles = mutableListOf<MapTile>()
        for (ty in floor(y0 / px).toInt().coerceAtLeast(0)..floor(y1 / px).toInt().coerceAtMost(n - 1)) {
            for (tx in floor(x0 / px).toInt()..floor(x1 / px).toInt()) {
                val wx = ((tx % n) + n) % n
                tiles += MapTile(view.zoom, tx, ty, template.replace("{z}", "${view.zoom}").replace("{x}", "$wx").replace("{y}", "$ty"))
            }
        }
        return tiles
    }
}

/** The view's box for the core (west, south, east, north), within the globe. */
fun MapViewport.box(): BoundingBox {
    val (nw, se) = corners()
    return BoundingBox(
        minLon = nw.lon.coerceIn(-180.0, 180.0),
        minLat = se.lat.coerceIn(-90.0, 90.0),
        maxLon = se.lon.coerceIn(-180.0, 180.0),
        maxLat = nw.lat.coerceIn(-90.0, 90.0),
    )
}
