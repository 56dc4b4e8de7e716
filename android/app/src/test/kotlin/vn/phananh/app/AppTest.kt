package vn.phananh.app

import androidx.compose.ui.test.junit4.createEmptyComposeRule
import androidx.test.core.app.ActivityScenario
import org.junit.After
import org.junit.Rule
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.robolectric.annotation.LooperMode
import vn.phananh.data.RustCoreRepository

/**
 * Base of the app tests: Robolectric on API 34 with native graphics (the real Compose rendering
 * path), the activity launched by the test itself (after [AppHarness.configureApp]), and the
 * core released after each test (every test gets a new Application, hence a new core client
 * over a new files directory).
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@LooperMode(LooperMode.Mode.PAUSED)
abstract class AppTest {
    /**
     * Effects (LaunchedEffect, collectAsState, produceState) resume on the main looper, as on a
     * phone: by default the test environment resumes them on whatever thread completed their
     * suspension (an IO worker, the core's callback thread), which wrote Compose state off the
     * main thread during composition (a snapshot read error in the map, a corrupted slot table
     * in the tours).
     */
    @get:Rule
    val compose = createEmptyComposeRule(effectContext = kotlinx.coroutines.Dispatchers.Main)

    protected var scenario: ActivityScenario<MainActivity>? = null

    /** The app's and the core's log (android.util.Log) on stdout with -Dphananh.log=true. */
    @org.junit.Before
    fun logToStdout() {
        if (System.getProperty("phananh.log") == "true") org.robolectric.shadows.ShadowLog.stream = System.out
    }

    protected fun launchApp(): ActivityScenario<MainActivity> = AppHarness.launch().also { scenario = it }

    @After
    fun releaseApp() {
        scenario?.close()
        val app = AppHarness.app
        if (app.graphCreated()) {
            app.graph.appScope.coroutineContext[kotlinx.coroutines.Job]?.cancel()
            (app.graph.repository as? RustCoreRepository)?.close()
        }
        PhanAnhApplication.options = null
    }
}
