package vn.phananh.app

import android.Manifest
import android.location.Location
import android.location.LocationManager
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.hasAnyDescendant
import androidx.compose.ui.test.hasScrollToIndexAction
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.performScrollToIndex
import androidx.compose.ui.test.performTextInput
import java.time.Instant
import java.util.Locale
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocalState
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource
import vn.phananh.presenter.distanceMeters
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey: with a known device position the public feed is the reports around it (asked with a
 * bounding box), each row with its distance, nearest first, under a "nearby" header; a report
 * 5 km away is not in it.
 */
class NearbyJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun publicFeedAroundTheDeviceWithDistancesNearestFirst() {
        AppHarness.configureApp(vi)
        AppHarness.signInDirectly(AppHarness.newPhone())
        val here = 18.3437 to 105.9057
        shadowOf(AppHarness.app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION)
        val lm = AppHarness.context.getSystemService(LocationManager::class.java)
        shadowOf(lm).setLastKnownLocation(LocationManager.GPS_PROVIDER, Location(LocationManager.GPS_PROVIDER).apply {
            latitude = here.first; longitude = here.second; accuracy = 8f; time = System.currentTimeMillis()
        })
        launchApp()
        AppHarness.setNetwork(online = true)

        // Three reports on the stub: ~110 m, ~1 km and ~5 km from the device.
        val marker = "NEARBY" + UUID.randomUUID().toString().take(8)
        val places = listOf(18.3427 to 105.9057, 18.3527 to 105.9057, 18.3000 to 105.9300)
        val repo = AppHarness.app.graph.repository
        runBlocking {
            for ((i, p) in places.withIndex()) {
                val d = repo.createDraft()
                repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path) // no GPS of its own
                repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description("Rác thải điểm $i $marker")))
                repo.setDraftLocation(d.id, listOf(LocationFix(p.first, p.second, 5.0, null, Instant.now(), LocationSource.DEVICE_GPS)))
                repo.submitDraft(d.id)
            }
            // Delivered now (the core's bounded run), as the app's sync trigger would.
            repo.runPending(Instant.now().plusSeconds(60))
        }
        assertEquals(0, runBlocking { repo.outbox() }.count { it.state !is LocalState.Submitted })

        compose.clickText(t(UiR.string.home_tab_public))
        val radius = String.format(Locale.forLanguageTag("vi"), "%.1f km", 2.0) // as the screens write distances
        compose.waitForText(t(UiR.string.feed_nearby, radius))
        compose.onNode(hasSetTextAction()).performTextInput(marker)
        val metres = distanceMeters(here.first, here.second, places[0].first, places[0].second)
        val near = t(UiR.string.feed_distance, String.format(Locale.forLanguageTag("vi"), "%d m", metres.toInt()))
        val km = distanceMeters(here.first, here.second, places[1].first, places[1].second)
        val farther = t(UiR.string.feed_distance, String.format(Locale.forLanguageTag("vi"), "%.1f km", km / 1000))
        compose.waitForText(near, substring = true, timeoutMs = 30_000)
        // Nearest first: the first row of the list is the one 110 m away.
        val first = compose.onAllNodes(AppHarness.labelled(marker, substring = true)).fetchSemanticsNodes()
            .mapNotNull { n -> n.config.getOrNull(SemanticsProperties.ContentDescription)?.firstOrNull() }
            .first { it.contains(marker) }
        assertTrue(first, first.contains("điểm 0") && first.contains(near))
        val asked = runBlocking { repo.feed(vn.phananh.core.FeedQuery(bbox = vn.phananh.presenter.boundingBox(here.first, here.second, 2_000.0), text = marker)) }.items
        assertEquals(asked.map { it.description to (it.lat to it.lon) }.toString(), 2, asked.size)
        // Further down (the list composes what is on screen): the one 1 km away, and nothing else.
        val list = compose.onNode(hasScrollToIndexAction() and hasAnyDescendant(AppHarness.labelled(near, substring = true)))
        list.performScrollToIndex(1)
        compose.waitForText("điểm 1 $marker. xử lý", substring = true)
        assertTrue(compose.has(farther, substring = true))
        assertFalse("5 km away is not nearby", compose.has("điểm 2 $marker", substring = true))
    }
}
