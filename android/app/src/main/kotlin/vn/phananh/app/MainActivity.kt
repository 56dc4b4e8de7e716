package vn.phananh.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import vn.phananh.app.nav.AppNavHost
import vn.phananh.ui.PhanAnhTheme
import vn.phananh.app.platform.MapTiles
import vn.phananh.ui.android.AndroidImageLoader
import vn.phananh.ui.android.AndroidStrings

class MainActivity : ComponentActivity() {
    /** Report id from a tapped status notification (phananh://report/ID). */
    private val openReport = mutableStateOf<String?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val graph = (application as PhanAnhApplication).graph
        openReport.value = reportIdFrom(intent)
        val imageLoader = AndroidImageLoader()
        val tiles = MapTiles(java.io.File(cacheDir, "map-tiles"))
        setContent {
            val settings by graph.settings.values.collectAsStateWithLifecycle()
            val strings = remember(settings.language) { AndroidStrings(this, settings.language) }
            PhanAnhTheme(
                strings = strings,
                imageLoader = imageLoader,
                // Server photos through the core's media cache: offline from the phone's copy.
                mediaResolver = { remote -> graph.repository.mediaFile(remote) },
                tileLoader = tiles,
                dark = isSystemInDarkTheme(),
            ) {
                AppNavHost(graph = graph, openReport = openReport.value, onReportOpened = { openReport.value = null })
            }
        }
    }

    /**
     * The app on screen (its start, or back in the foreground): the core refreshes the
     * province's config and boundaries if a day has passed since it last asked.
     */
    override fun onStart() {
        super.onStart()
        val graph = (application as PhanAnhApplication).graph
        graph.appScope.launch { graph.syncer.refreshTenant() }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        openReport.value = reportIdFrom(intent)
    }

    private fun reportIdFrom(intent: Intent?): String? =
        intent?.data?.takeIf { it.scheme == "phananh" && it.host == "report" }?.lastPathSegment
}
