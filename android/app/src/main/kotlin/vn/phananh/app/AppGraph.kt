package vn.phananh.app

import android.content.Context
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import vn.phananh.app.platform.AndroidImageDecoder
import vn.phananh.app.platform.AndroidLogSink
import vn.phananh.app.platform.BoundaryAssets
import vn.phananh.app.platform.ConnectivityMonitor
import vn.phananh.app.platform.DeviceLocationProvider
import vn.phananh.app.platform.KeystoreSecretStore
import vn.phananh.app.platform.Media3VideoTranscoder
import vn.phananh.app.platform.MediaImporter
import vn.phananh.app.platform.defaultLocationProvider
import vn.phananh.app.push.CorePushReceiver
import vn.phananh.app.push.PushTokenSource
import vn.phananh.app.settings.AppSettings
import vn.phananh.app.work.StatusNotifier
import vn.phananh.app.work.SyncScheduler
import vn.phananh.app.work.Syncer
import vn.phananh.core.ClientConfig
import vn.phananh.core.LogLevel
import vn.phananh.core.SecretStore
import vn.phananh.core.setLogSink
import vn.phananh.data.CoreRepository
import vn.phananh.data.RustCoreRepository

/**
 * Everything the app holds for its lifetime: the one core client with the platform services
 * plugged in (foreign traits), the repository every screen goes through, and the Android-side
 * helpers. Built once in [PhanAnhApplication].
 */
class AppGraph(context: Context, options: Options = Options.fromBuild()) {
    /**
     * What a build (or an instrumented run) chooses: the API base URL (null: the tenant's own),
     * the boundaries directory (null: the app's assets), the secret store (null: Keystore).
     */
    data class Options(
        val baseUrl: String? = null,
        val boundariesDir: String? = null,
        val secretStore: SecretStore? = null,
        /** Where push tokens come from (null: none, this build has no push service; a Play build: FCM). */
        val pushTokens: PushTokenSource? = null,
    ) {
        companion object {
            fun fromBuild() = Options(baseUrl = BuildConfig.API_BASE_URL_OVERRIDE.ifBlank { null })
        }
    }

    /** Work that outlives a screen (settings pushed to the core, sign-out, delivery runs). */
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val settings = AppSettings(context)
    val notifier = StatusNotifier(context)
    val importer = MediaImporter(context)
    val location: DeviceLocationProvider = defaultLocationProvider(context)

    /** What the screens' view-models and the background runs read and write through. */
    val repository: CoreRepository = run {
        setLogSink(AndroidLogSink(), if (BuildConfig.DEBUG) LogLevel.DEBUG else LogLevel.INFO)
        // Returns at once: the boundary files are copied out of the assets (first start of a
        // version) and the core opens, in that order, on an IO thread; every call of the
        // repository waits for both (see RustCoreRepository.open).
        RustCoreRepository.open {
            ClientConfig(
                // Excluded from backups in data_extraction_rules.xml: drafts belong to this install.
                storageDir = File(context.filesDir, "core").apply { mkdirs() }.absolutePath,
                baseUrl = options.baseUrl,
                defaultTenantJson = null,
                boundariesDir = options.boundariesDir ?: installBoundaries(context),
                secretStore = options.secretStore ?: KeystoreSecretStore(context),
                imageDecoder = AndroidImageDecoder(),
                videoTranscoder = Media3VideoTranscoder(context),
            )
        }
    }

    /** Without boundary files the core names no ward; the app still works, so this is not fatal. */
    private fun installBoundaries(context: Context): String? =
        try {
            BoundaryAssets.install(context, BuildConfig.VERSION_CODE.toLong())
        } catch (e: java.io.IOException) {
            android.util.Log.w("PhanAnh", "cannot install the boundary files", e)
            null
        }

    val syncer = Syncer(repository, notifier) { settings.values.value.notifications }

    /** What the platform's push service hands over (FcmService in a Play build) goes here. */
    val push = CorePushReceiver(repository, repository, notifier, options.pushTokens ?: PushTokenSource.NONE) {
        settings.values.value.notifications
    }
    val scheduler = SyncScheduler(context, syncer, appScope)

    private val connectivity = ConnectivityMonitor(context) { online, metered ->
        repository.setConnectivity(online, metered)
        if (online) scheduler.syncNow()
    }

    fun start() {
        notifier.createChannels()
        appScope.launch { repository.setVideoWifiOnly(settings.values.value.wifiOnlyVideo) }
        // The province's config and boundaries are refreshed when the app is on screen
        // (MainActivity.onStart) and in every sync run; the core asks at most once a day.
        appScope.launch { push.start() }
        connectivity.start()
        scheduler.schedulePeriodic()
    }
}
