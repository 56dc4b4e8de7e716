package vn.phananh

import java.time.Instant
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.MAP_OUTLINE_POINTS
import vn.phananh.presenter.MapPresenter
import vn.phananh.presenter.box
import vn.phananh.ui.state.GeoPoint
import vn.phananh.ui.state.MapEvent
import vn.phananh.ui.state.MapViewport
import vn.phananh.ui.state.WebMercator

/** The map of reports over the real core and stub: markers of the view, ward outlines, tiles and their credit, offline. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MapPresenterTest {
    private lateinit var stub: StubProcess
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeAll
    fun start() {
        stub = StubProcess()
    }

    @AfterAll
    fun stop() {
        scope.cancel()
        stub.close()
    }

    @Test
    fun `web mercator projects and unprojects the same point`() {
        val p = GeoPoint(18.3428, 105.9057)
        for (z in listOf(0, 8, 14, 19)) {
            val (x, y) = WebMercator.project(p, z)
            val back = WebMercator.unproject(x, y, z)
            assertEquals(p.lat, back.lat, 1e-9)
            assertEquals(p.lon, back.lon, 1e-9)
        }
        // The view's centre is its middle pixel; its box holds the centre.
        val v = MapViewport(p, 14, 400, 300)
        val (cx, cy) = v.toScreen(p)
        assertEquals(200.0, cx, 1e-6)
        assertEquals(150.0, cy, 1e-6)
        val b = v.box()
        assertTrue(p.lat in b.minLat..b.maxLat && p.lon in b.minLon..b.maxLon)
        // A 256 px tile at zoom 14 is 360/2^14 degrees of longitude wide.
        assertEquals(400.0 / 256 * 360 / (1 shl 14), b.maxLon - b.minLon, 1e-9)
    }

    @Test
    fun `markers of the view, ward outlines, tiles with credit online - markers and outlines offline`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("map-").path, stub.baseUrl, TestEnv.boundaries.path).use { repo ->
            repo.refreshTenantIfDue()
            val code = stub.otpFor { repo.requestOtp("0912777101") }
            repo.signIn("0912777101", code)
            val marker = "MAP-" + UUID.randomUUID().toString().take(8)
            // One report in Thành Sen (in view), one ~5 km south-east (outside a 400 × 300 px view at zoom 14).
            val places = listOf(18.3427 to 105.9057, 18.3000 to 105.9500)
            for ((i, p) in places.withIndex()) {
                val d = repo.createDraft()
                repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
                repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description("Rác thải bản đồ $i $marker")))
                repo.setDraftLocation(d.id, listOf(LocationFix(p.first, p.second, 5.0, null, Instant.now(), LocationSource.DEVICE_GPS)))
                repo.submitDraft(d.id)
            }
            repo.runPending(Instant.now().plusSeconds(60))
            val here = GeoPoint(18.3437, 105.9057)

            val map = MapPresenter(repo, scope) { here }
            map.onEvent(MapEvent.Resize(400, 300))
            val online = map.state.awaitState(20_000) { !it.loading && it.markers.any { m -> m.report.description.contains(marker) } }
            assertNull(online.error)
            assertFalse(online.fromCache)
            val mine = online.markers.filter { it.report.description.contains(marker) }
            assertEquals(listOf("Rác thải bản đồ 0 $marker"), mine.map { it.report.description })
            val box = online.viewport.box()
            assertTrue(online.markers.all { it.at.lat in box.minLat..box.maxLat && it.at.lon in box.minLon..box.maxLon })
            // The ward the device is in is outlined, each ring closed.
            val wards = online.outlines.map { it.name }
            assertTrue("Phường Thành Sen" in wards, "$wards")
            assertTrue(online.outlines.flatMap { it.rings }.all { it.size >= 4 && it.first() == it.last() })
            assertTrue(online.outlines.sumOf { o -> o.rings.sumOf { it.size } } <= MAP_OUTLINE_POINTS)
            // Tiles of the served template cover the view (400 × 300 px: 2–3 × 2–3 tiles), with the credit.
            assertEquals("© OpenStreetMap contributors", online.attribution)
            assertTrue(online.tiles.size in 4..9, "${online.tiles}")
            assertTrue(online.tiles.all { it.url.startsWith("https://tile.openstreetmap.org/14/") && it.z == 14 })
            // The device's tile is one of them.
            val (px, py) = WebMercator.project(here, 14)
            assertTrue(online.tiles.any { it.x == (px / 256).toInt() && it.y == (py / 256).toInt() })

            // Zoomed out, the report 5 km away is in view too.
            map.onEvent(MapEvent.ZoomOut)
            map.onEvent(MapEvent.ZoomOut)
            val wide = map.state.awaitState(20_000) { s -> !s.loading && s.viewport.zoom == 12 && s.markers.count { it.report.description.contains(marker) } == 2 }
            assertTrue(wide.outlines.size > online.outlines.size, "more wards at zoom 12")

            // Offline: markers from the phone's copy, outlines still there, no tiles, the credit stays.
            repo.setConnectivity(online = false, metered = false)
            map.onEvent(MapEvent.ZoomIn)
            map.onEvent(MapEvent.ZoomIn)
            val offline = map.state.awaitState(20_000) { !it.loading && it.viewport.zoom == 14 && it.fromCache }
            assertEquals(listOf("Rác thải bản đồ 0 $marker"), offline.markers.filter { it.report.description.contains(marker) }.map { it.report.description })
            assertTrue("Phường Thành Sen" in offline.outlines.map { it.name })
            assertTrue(offline.tiles.isEmpty())
            assertEquals("© OpenStreetMap contributors", offline.attribution)

            // Panning by half a view east moves the centre by half the view's width in longitude.
            val before = offline.viewport
            map.onEvent(MapEvent.Pan(-200f, 0f))
            val moved = map.state.awaitState { it.viewport.center != before.center }
            assertEquals(200.0 / 256 * 360 / (1 shl 14), moved.viewport.center.lon - before.center.lon, 1e-6)
        }
    }
}
