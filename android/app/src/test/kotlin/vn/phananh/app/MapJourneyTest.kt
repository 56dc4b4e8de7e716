package vn.phananh.app

import android.Manifest
import android.graphics.Bitmap
import android.graphics.Canvas
import android.location.Location
import android.location.LocationManager
import com.sun.net.httpserver.HttpExchange
import java.io.ByteArrayOutputStream
import java.io.File
import java.net.URI
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import kotlin.math.abs
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasScrollToIndexAction
import androidx.compose.ui.test.performSemanticsAction
import androidx.compose.ui.test.performScrollToIndex
import androidx.compose.ui.semantics.getOrNull
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.activity
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocalState
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * A province whose tile source is a tile server on 127.0.0.1 (the stub's config with its
 * `map.tile_url_template` pointing here): every tile is one solid colour, counted.
 */
class TileFront(target: String) : StubFront(target) {
    val tiles = AtomicInteger()
    val tileColor = 0xFF3D8FD1.toInt()
    private val png: ByteArray = Bitmap.createBitmap(256, 256, Bitmap.Config.ARGB_8888).run {
        eraseColor(tileColor)
        ByteArrayOutputStream().also { compress(Bitmap.CompressFormat.PNG, 100, it) }.toByteArray()
    }

    override fun answer(ex: HttpExchange, body: ByteArray): Boolean {
        val path = ex.requestURI.path
        if (path.startsWith("/tiles/")) {
            tiles.incrementAndGet()
            respond(ex, 200, "image/png", png)
            return true
        }
        if (ex.requestMethod != "GET" || path.trimEnd('/') != "/api/v1/config") return false
        val original = client.send(
            HttpRequest.newBuilder(URI.create(target.trimEnd('/') + "/api/v1/config")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString(),
        )
        val doc = JSONObject(original.body())
        doc.getJSONObject("map").put("tile_url_template", baseUrl + "tiles/{z}/{x}/{y}.png")
        doc.put("version", "local-tiles")
        respond(ex, 200, "application/json", doc.toString().toByteArray())
        return true
    }
}

/**
 * Journey: Nearby → "Bản đồ": online the map draws the province's tiles (from its configured
 * source) with their credit, the ward outline and a marker per report around the device;
 * offline it draws no tiles (none asked for), but still the seeded reports' markers (from the
 * phone's copy of the feed) and the ward outline, with the credit; a report in the list under
 * the map opens its detail.
 */
class MapJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    /** Pixels of the window close to [color] (anti-aliased edges differ a little). */
    private fun countColor(color: Int, tolerance: Int = 6): Int {
        compose.waitForIdle()
        val view = scenario!!.activity<MainActivity>().window.decorView
        val bmp = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bmp))
        val px = IntArray(bmp.width * bmp.height).also { bmp.getPixels(it, 0, bmp.width, 0, 0, bmp.width, bmp.height) }
        fun close(a: Int, b: Int) = (0..2).all { s -> abs(((a shr (s * 8)) and 0xFF) - ((b shr (s * 8)) and 0xFF)) <= tolerance }
        return px.count { close(it, color) }
    }

    /** Waits for a row of the list under the map, scrolling it (it composes only what is on screen). */
    private fun seeInList(text: String) {
        eventually(30_000, compose) {
            if (compose.has(text, substring = true)) return@eventually true
            val list = compose.onAllNodes(hasScrollToIndexAction()).fetchSemanticsNodes().size
            if (list > 0) for (i in 0 until 30) {
                runCatching { compose.onNode(hasScrollToIndexAction()).performScrollToIndex(i) }.onFailure { return@eventually null }
                if (compose.has(text, substring = true)) return@eventually true
            }
            null
        }
    }

    private fun screenshot(name: String) {
        val out = File(System.getProperty("phananh.screens") ?: "target/android-screens")
        val view = scenario!!.activity<MainActivity>().window.decorView
        val bmp = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bmp))
        out.mkdirs()
        File(out, "$name.png").outputStream().use { bmp.compress(Bitmap.CompressFormat.PNG, 100, it) }
    }

    @Test
    fun mapShowsTilesOnlineAndMarkersWithWardOutlinesOffline() {
        TileFront(AppHarness.stub.baseUrl).use { front ->
            AppHarness.configureApp(vi, baseUrl = front.baseUrl)
            AppHarness.signInDirectly(AppHarness.newPhone())
            val here = 18.3437 to 105.9057
            shadowOf(AppHarness.app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION)
            val lm = AppHarness.context.getSystemService(LocationManager::class.java)
            shadowOf(lm).setLastKnownLocation(LocationManager.GPS_PROVIDER, Location(LocationManager.GPS_PROVIDER).apply {
                latitude = here.first; longitude = here.second; accuracy = 8f; time = System.currentTimeMillis()
            })
            launchApp()
            AppHarness.setNetwork(online = true)
            val repo = AppHarness.app.graph.repository
            eventually(20_000, compose) { repo.config().map.tileUrlTemplate?.takeIf { it.startsWith(front.baseUrl) } }

            // Two reports a few hundred metres from the device.
            val marker = "MAP" + UUID.randomUUID().toString().take(8)
            val places = listOf(18.3427 to 105.9057, 18.3460 to 105.9080)
            runBlocking {
                for ((i, p) in places.withIndex()) {
                    val d = repo.createDraft()
                    repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
                    repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description("Rác thải bản đồ $i $marker")))
                    repo.setDraftLocation(d.id, listOf(LocationFix(p.first, p.second, 5.0, null, Instant.now(), LocationSource.DEVICE_GPS)))
                    repo.submitDraft(d.id)
                }
                repo.runPending(Instant.now().plusSeconds(60))
            }
            assertEquals(0, runBlocking { repo.outbox() }.count { it.state !is LocalState.Submitted })

            // Online: tiles from the province's source, the credit, outlines and markers.
            compose.clickText(t(UiR.string.home_tab_public))
            compose.clickText(t(UiR.string.map_open))
            seeInList("Rác thải bản đồ 0 $marker")
            seeInList("Rác thải bản đồ 1 $marker")
            compose.onNode(hasScrollToIndexAction()).performScrollToIndex(0)
            compose.waitForText("© OpenStreetMap contributors")
            eventually(20_000, compose) { front.tiles.get().takeIf { it > 0 } }
            eventually(20_000, compose) { countColor(front.tileColor).takeIf { it > 10_000 } }
            assertTrue("a marker drawn", countColor(0xFFC62828.toInt()) > 50)
            assertTrue("a ward outline drawn", countColor(0xFF6A1B9A.toInt(), tolerance = 40) > 50)
            compose.clickText(t(UiR.string.action_back))

            // Offline: the same view from the phone's copy; no tile is asked for.
            AppHarness.setNetwork(online = false)
            val asked = front.tiles.get()
            compose.clickText(t(UiR.string.map_open))
            seeInList("Rác thải bản đồ 0 $marker")
            seeInList("Rác thải bản đồ 1 $marker")
            compose.onNode(hasScrollToIndexAction()).performScrollToIndex(0)
            compose.waitForText("Ngoại tuyến", substring = true)
            assertTrue("the credit stays", compose.has("© OpenStreetMap contributors"))
            // The map itself says what it shows: the reports and the ward of the device.
            val description = compose.onAllNodes(AppHarness.labelled("Bản đồ:", substring = true)).fetchSemanticsNodes()
                .mapNotNull { n -> n.config.getOrNull(SemanticsProperties.ContentDescription)?.firstOrNull() }
                .first()
            assertTrue(description, description.contains("Phường Thành Sen"))
            assertTrue("no tile drawn offline", countColor(front.tileColor) == 0)
            assertTrue("markers drawn offline", countColor(0xFFC62828.toInt()) > 50)
            assertTrue("ward outline drawn offline", countColor(0xFF6A1B9A.toInt(), tolerance = 40) > 50)
            screenshot("map-offline")
            assertEquals("no tile asked for offline", asked, front.tiles.get())

            // A report under the map opens its detail.
            seeInList("Rác thải bản đồ 1 $marker")
            compose.onAllNodes(AppHarness.labelled("Rác thải bản đồ 1 $marker", substring = true) and hasClickAction())[0]
                .performSemanticsAction(SemanticsActions.OnClick)
            eventually(20_000, compose) { true.takeIf { !compose.has(t(UiR.string.map_title)) } }
            compose.waitForText("Rác thải bản đồ 1 $marker", substring = true)
        }
    }
}
