package vn.phananh

import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
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
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.NoticesPresenter
import vn.phananh.ui.state.NoticeLevel
import vn.phananh.ui.state.NoticesEvent

/**
 * The notices screen (issue 13 item 3) over the real core and stub: the IOC publishes over the
 * officer API a province-wide notice, a severe one for the ward of the device's position and a
 * warning for an area elsewhere; the screen lists what covers the device, most severe first,
 * only the province-wide one without a position, and the phone's copy offline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NoticesTest {
    private lateinit var stub: StubProcess
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @BeforeAll
    fun start() { stub = StubProcess() }

    @AfterAll
    fun stop() {
        scope.cancel()
        stub.close()
    }

    @Test
    fun `notices covering the device are listed most severe first, province-wide only without a position, from the phone offline`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("notices-").path, stub.baseUrl, TestEnv.boundaries.path).use { repo ->
            val here = haTinhFix()
            val ward = assertNotNull(repo.noticesAt(here.lat, here.lon).ward, "the ward of the position, from the boundaries on the phone")
            val officer = StubOfficer(stub)
            officer.publishNotice("""{"title":"Lịch cắt nước toàn tỉnh","body":"Thứ Bảy, 7-11 giờ.","severity":"info","area":{"kind":"province"}}""")
            officer.publishNotice("""{"title":"Cảnh báo ngập sâu","body":"Tránh đường Trần Phú.","severity":"severe","area":{"kind":"wards","codes":["$ward"]}}""")
            // A small square about 40 km from the position.
            officer.publishNotice("""{"title":"Sạt lở đường núi","body":"Cấm đường.","severity":"warning","area":{"kind":"polygon","ring":[[106.3,18.0],[106.31,18.0],[106.31,18.01],[106.3,18.01],[106.3,18.0]]}}""")

            val screen = NoticesPresenter(repo, scope) { here.lat to here.lon }
            val shown = screen.state.awaitState(15_000) { !it.loading }
            assertEquals(null, shown.error)
            assertEquals(listOf("Cảnh báo ngập sâu", "Lịch cắt nước toàn tỉnh"), shown.items.map { it.title }, "most severe first; the far area not here")
            assertEquals(listOf(NoticeLevel.SEVERE, NoticeLevel.INFO), shown.items.map { it.level })
            assertEquals(listOf(false, true), shown.items.map { it.provinceWide })
            assertEquals(ward, shown.wardCode)
            assertFalse(shown.fromCache || shown.withoutPosition)
            assertTrue(shown.items.all { it.validTo == null && it.validFrom <= System.currentTimeMillis() })

            val nowhere = NoticesPresenter(repo, scope) { null }.state.awaitState(15_000) { !it.loading }
            assertEquals(listOf("Lịch cắt nước toàn tỉnh"), nowhere.items.map { it.title })
            assertTrue(nowhere.withoutPosition)

            repo.setConnectivity(false, false)
            screen.onEvent(NoticesEvent.Refresh)
            val offline = screen.state.awaitState(15_000) { !it.loading && it.fromCache }
            assertEquals(shown.items.map { it.id }, offline.items.map { it.id })
            assertTrue(offline.fetchedAt!! <= System.currentTimeMillis())
        }
    }
}
