package vn.phananh

import java.time.Instant
import java.util.UUID
import kotlin.math.abs
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
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
import vn.phananh.core.PhanAnhException
import vn.phananh.core.TenantRefresh
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.HomePresenter
import vn.phananh.presenter.NEARBY_RADIUS_M
import vn.phananh.presenter.boundingBox
import vn.phananh.presenter.distanceMeters
import vn.phananh.ui.state.FeedArea
import vn.phananh.ui.state.FeedFilter
import vn.phananh.ui.state.HomeEvent
import vn.phananh.ui.state.HomeTab

/** The tenant config refreshed on the core's once-a-day schedule, and the nearby feed, over the real core and stub. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigAndNearbyTest {
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

    private fun open() = RustCoreRepository.open(TestEnv.tempDir("cfg-").path, stub.baseUrl, TestEnv.boundaries.path)

    @Test
    fun `the core refreshes the tenant at start, not again the same day, and an offline start stays due`() = runBlocking {
        open().use { repo ->
            // Offline at start: nothing asked, no error, and the day not used up.
            repo.setConnectivity(false, false)
            assertEquals(TenantRefresh(checked = false, configChanged = false, boundariesChanged = false), repo.refreshTenantIfDue())
            // Online: the server's config replaces the compiled-in one (the core keeps its ETag).
            repo.setConnectivity(true, false)
            val first = repo.refreshTenantIfDue()
            assertTrue(first.checked && first.configChanged, "$first")
            assertTrue(repo.config().apiBaseUrl.isNotEmpty())
            val version = repo.config().version
            // Every later call the same day (each sync run, each start) asks nothing.
            repeat(3) { assertFalse(repo.refreshTenantIfDue().checked) }
            assertEquals(version, repo.config().version)
        }
        // The server cannot be reached: a typed error each time, so the next run asks again.
        RustCoreRepository.open(TestEnv.tempDir("cfg-off-").path, "http://127.0.0.1:9/", TestEnv.boundaries.path).use { repo ->
            repeat(2) { assertFailsWith<PhanAnhException> { repo.refreshTenantIfDue() } }
        }
    }

    @Test
    fun `bounding box holds the radius at any latitude`() {
        for (lat in listOf(0.0, 18.34, 45.0, 60.0)) {
            val b = boundingBox(lat, 105.9, 2_000.0)
            // The box's edges are the radius away from the centre, north and east alike.
            assertTrue(abs(distanceMeters(lat, 105.9, b.maxLat, 105.9) - 2_000) < 2, "north edge at $lat")
            assertTrue(abs(distanceMeters(lat, 105.9, lat, b.maxLon) - 2_000) < 10, "east edge at $lat")
            assertTrue(abs((b.maxLat - lat) - (lat - b.minLat)) < 1e-9)
        }
        // At 60° a degree of longitude is half as long: the box is twice as wide in degrees.
        val b60 = boundingBox(60.0, 10.0, 2_000.0)
        assertEquals(2.0, (b60.maxLon - 10.0) / (b60.maxLat - 60.0), 0.01)
    }

    @Test
    fun `nearby feed - only reports around the device, with their distance, nearest first`() = runBlocking {
        open().use { repo ->
            val code = stub.otpFor { repo.requestOtp("0912777001") }
            repo.signIn("0912777001", code)
            val marker = "NEAR-" + UUID.randomUUID().toString().take(8)
            // Around the provincial centre: ~110 m and ~1 km from where the device is, and one ~5 km away.
            val here = 18.3437 to 105.9057
            val places = listOf(18.3427 to 105.9057, 18.3527 to 105.9057, 18.3000 to 105.9300)
            for ((i, p) in places.withIndex()) {
                val d = repo.createDraft()
                repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path) // no GPS of its own
                repo.updateDraft(d.id, listOf(DraftEdit.Category("moi_truong"), DraftEdit.Description("Rác thải điểm $i $marker")))
                repo.setDraftLocation(d.id, listOf(LocationFix(p.first, p.second, 5.0, null, Instant.now(), LocationSource.DEVICE_GPS)))
                repo.submitDraft(d.id)
            }
            repo.runPending(Instant.now().plusSeconds(60))
            assertEquals(0, repo.outbox().count { it.state !is vn.phananh.core.LocalState.Submitted })

            val home = HomePresenter(repo, repo, repo, scope)
            home.onEvent(HomeEvent.ChangeFeedFilter(FeedFilter(query = marker)))
            home.onEvent(HomeEvent.SelectTab(HomeTab.PUBLIC_FEED))
            // Without a position: the whole province, all three, and the screen says so.
            val province = home.state.awaitState { it.publicFeed.size == 3 }
            assertEquals(FeedArea.PROVINCE, province.feedArea)
            assertTrue(province.publicFeed.all { it.distanceMeters == null })

            home.devicePosition(here.first, here.second)
            val near = runCatching { home.state.awaitState(20_000) { it.feedArea == FeedArea.NEARBY && it.publicFeed.size == 2 } }
                .getOrElse { throw AssertionError("nearby feed: ${home.state.value.publicFeed.map { it.description to it.distanceMeters }} error ${home.state.value.error}; " +
                    "stored at ${repo.feed(vn.phananh.core.FeedQuery(text = marker)).items.map { it.lat to it.lon }}; " +
                    "box ${boundingBox(here.first, here.second, 2000.0)} -> ${repo.feed(vn.phananh.core.FeedQuery(bbox = boundingBox(here.first, here.second, 2000.0), text = marker)).items.size}", it) }
            assertEquals(listOf("Rác thải điểm 0 $marker", "Rác thải điểm 1 $marker"), near.publicFeed.map { it.description })
            val (d0, d1) = near.publicFeed.map { it.distanceMeters!! }
            assertEquals(distanceMeters(here.first, here.second, 18.3427, 105.9057), d0, 1.0)
            assertTrue(d0 in 100.0..125.0 && d1 in 950.0..1_050.0, "$d0 $d1")
            assertEquals(NEARBY_RADIUS_M, near.nearbyRadiusMeters)
            // The category's handling time (from the config) is on each row.
            val hours = repo.config().categories.first { it.code == "moi_truong" }.deadlineHours?.toInt()
            assertTrue(near.publicFeed.all { it.categoryDeadlineHours == hours })
        }
    }
}
