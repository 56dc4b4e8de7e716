package vn.phananh.app

import org.json.JSONObject
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey: the province adds a category on its server → the app asks for the config at start
 * (the core's conditional fetch) → the new category, with its handling time, is in the
 * new-report picker; the picker also shows every category's handling time from the config.
 */
class ConfigRefreshTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun categoryAddedOnTheServerAppearsInThePickerAfterStart() {
        ConfigFront(AppHarness.stub.baseUrl) { doc ->
            val categories = doc.getJSONArray("categories")
            val added = JSONObject(categories.getJSONObject(0).toString())
                .put("code", "cay_xanh").put("name_vi", "Cây xanh đô thị").put("name_en", "Urban trees").put("deadline_hours", 72)
            categories.put(added)
            doc.put("version", "with-cay-xanh")
        }.use { front ->
            AppHarness.configureApp(vi, baseUrl = front.baseUrl)
            // The app starts (its graph, with the config request) here; the bundled config has no "cay_xanh".
            AppHarness.signInDirectly(AppHarness.newPhone())
            launchApp()
            AppHarness.setNetwork(online = true)
            eventually(20_000, compose) { AppHarness.app.graph.repository.config().categories.firstOrNull { it.code == "cay_xanh" } }
            assertTrue("served by the front", front.served.get() >= 1)

            compose.clickText(t(UiR.string.home_new_report))
            compose.waitForText("Cây xanh đô thị")
            compose.waitForText(t(UiR.string.category_deadline, 72))
            // Every category shows the handling time the province set for it.
            val traffic = AppHarness.app.graph.repository.config().categories.first { it.code == "giao_thong" }
            compose.waitForText(t(UiR.string.category_deadline, traffic.deadlineHours!!.toInt()))
            compose.clickText("Cây xanh đô thị")
        }
    }
}
