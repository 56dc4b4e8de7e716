package vn.phananh.app.nav

import android.Manifest
import android.content.ActivityNotFoundException
import android.content.pm.PackageManager
import android.content.res.Configuration
import android.net.Uri
import android.widget.Toast
import java.util.Locale
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import java.io.File
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.ContextCompat
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import vn.phananh.app.AppGraph
import vn.phananh.app.BuildConfig
import vn.phananh.app.R
import vn.phananh.app.camera.CaptureContract
import vn.phananh.app.camera.CaptureMode
import vn.phananh.app.camera.CaptureTarget
import vn.phananh.app.camera.SystemCamera
import vn.phananh.app.consent.ConsentScreen
import vn.phananh.app.consent.ConsentTexts
import vn.phananh.app.consent.PrivacyNotice
import vn.phananh.app.platform.DataExport
import vn.phananh.core.coreVersion
import vn.phananh.data.runCatchingExceptions
import vn.phananh.presenter.DraftsPresenter
import vn.phananh.presenter.HomePresenter
import vn.phananh.presenter.LocationPickerPresenter
import vn.phananh.presenter.LoginPresenter
import vn.phananh.presenter.NewReportPresenter
import vn.phananh.presenter.MapPresenter
import vn.phananh.presenter.NoticesPresenter
import vn.phananh.presenter.OutboxPresenter
import vn.phananh.presenter.RatingPresenter
import vn.phananh.presenter.ReportDetailPresenter
import vn.phananh.presenter.SettingsPresenter
import vn.phananh.ui.DraftsScreen
import vn.phananh.ui.HomeScreen
import vn.phananh.ui.LocationPickerScreen
import vn.phananh.ui.LoginScreen
import vn.phananh.ui.NewReportScreen
import vn.phananh.ui.MapScreen
import vn.phananh.ui.NoticesScreen
import vn.phananh.ui.OutboxScreen
import vn.phananh.ui.RatingScreen
import vn.phananh.ui.ReportDetailScreen
import vn.phananh.ui.SettingsScreen
import vn.phananh.ui.state.DraftsEvent
import vn.phananh.ui.state.HomeEvent
import vn.phananh.ui.state.LocationPickerEvent
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.LoginEvent
import vn.phananh.ui.state.NewReportEvent
import vn.phananh.ui.state.GeoPoint
import vn.phananh.ui.state.MapEvent
import vn.phananh.ui.state.NoticesEvent
import vn.phananh.ui.state.OutboxEvent
import vn.phananh.ui.state.RatingEvent
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.SettingsEvent
import vn.phananh.ui.state.LocalizedText

private object Routes {
    const val HOME = "home"
    const val NEW = "new?draft={draft}"
    const val PICKER = "picker/{lat}/{lon}"
    const val CONSENT = "consent"
    const val OUTBOX = "outbox"
    const val DRAFTS = "drafts"
    const val DETAIL = "report/{id}"
    const val RATING = "report/{id}/rating?vi={vi}&en={en}"
    const val LOGIN = "login"
    const val SETTINGS = "settings"
    const val NOTICES = "notices"
    const val MAP = "map"

    fun newReport(draft: String? = null) = if (draft == null) "new" else "new?draft=${Uri.encode(draft)}"
    fun picker(lat: Double, lon: Double) = "picker/$lat/$lon"
    fun detail(id: String) = "report/${Uri.encode(id)}"
    fun rating(id: String, category: LocalizedText) =
        "report/${Uri.encode(id)}/rating?vi=${Uri.encode(category.vi)}&en=${Uri.encode(category.en)}"
}

/**
 * Keeps a screen's presenter alive across configuration changes (in the back-stack entry's
 * ViewModel store) and cancels its work when the entry leaves the back stack.
 */
private class PresenterHolder<P>(create: (CoroutineScope) -> P) : ViewModel() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    val presenter: P = create(scope)
    override fun onCleared() = scope.cancel()
}

@Composable
private fun <P> rememberPresenter(create: (CoroutineScope) -> P): P =
    viewModel<PresenterHolder<P>>(initializer = { PresenterHolder(create) }).presenter

/**
 * The app's screens and how the user moves between them. Each screen's presenter gets the
 * screen's events; the `Shell` events (navigation, camera, gallery, permissions) are handled
 * here.
 */
@Composable
fun AppNavHost(graph: AppGraph, openReport: String?, onReportOpened: () -> Unit) {
    val navScope = rememberCoroutineScope()
    val nav = rememberNavController()
    val repo = graph.repository
    val settings by graph.settings.values.collectAsStateWithLifecycle()
    // First start (or a new privacy notice): the notice first, then the offer to sign in.
    val start = remember { if (graph.settings.values.value.consentVersion < PrivacyNotice.VERSION) Routes.CONSENT else Routes.HOME }
    LaunchedEffect(openReport) {
        if (openReport != null) {
            nav.navigate(Routes.detail(openReport))
            onReportOpened()
        }
    }
    NavHost(nav, startDestination = start) {
        composable(Routes.CONSENT) {
            val context = LocalContext.current
            val texts = remember(settings.language) {
                val res = context.createConfigurationContext(
                    Configuration(context.resources.configuration).apply { setLocale(Locale.forLanguageTag(settings.language.tag)) },
                ).resources
                ConsentTexts(
                    res.getString(R.string.consent_title), res.getString(R.string.consent_body),
                    res.getString(R.string.consent_version, PrivacyNotice.VERSION), res.getString(R.string.consent_accept),
                )
            }
            ConsentScreen(texts, onAccept = {
                graph.settings.acceptPrivacyNotice(PrivacyNotice.VERSION, System.currentTimeMillis())
                nav.navigate(Routes.HOME) { popUpTo(Routes.CONSENT) { inclusive = true } }
                navScope.launch {
                    // Read off the main thread by the core; navigate back on the main thread.
                    val signedIn = runCatchingExceptions { repo.isSignedIn() }.getOrDefault(false)
                    withContext(Dispatchers.Main) { if (!signedIn) nav.navigate(Routes.LOGIN) }
                }
            })
        }
        composable(Routes.HOME) {
            val presenter = rememberPresenter { HomePresenter(reports = repo, outbox = repo, session = repo, scope = it) }
            val state by presenter.state.collectAsStateWithLifecycle()
            val context = LocalContext.current
            // The public feed is "nearby" only with a position: the last fix the system has
            // (no new measurement, and only if the resident already allowed location).
            LaunchedEffect(Unit) {
                val allowed = listOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
                    .any { ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED }
                val fix = if (allowed) runCatching { graph.location.lastKnownFix() }.getOrNull() else null
                presenter.devicePosition(fix?.lat, fix?.lon)
            }
            HomeScreen(state) { e ->
                if (e is HomeEvent.Shell) {
                    when (e) {
                        is HomeEvent.OpenReport -> nav.navigate(Routes.detail(e.id))
                        HomeEvent.NewReport -> nav.navigate(Routes.newReport())
                        HomeEvent.OpenOutbox -> nav.navigate(Routes.OUTBOX)
                        HomeEvent.OpenDrafts -> nav.navigate(Routes.DRAFTS)
                        HomeEvent.OpenSettings -> nav.navigate(Routes.SETTINGS)
                        HomeEvent.SignIn -> nav.navigate(Routes.LOGIN)
                        HomeEvent.OpenNotices -> nav.navigate(Routes.NOTICES)
                        HomeEvent.OpenMap -> nav.navigate(Routes.MAP)
                    }
                } else {
                    presenter.onEvent(e)
                }
            }
        }
        composable(Routes.NEW) { entry ->
            val draft = entry.arguments?.getString("draft")
            val presenter = rememberPresenter { NewReportPresenter(repo, it, openDraft = draft, syncNow = graph.scheduler::syncNow, meToo = repo, saveScope = graph.appScope) }
            NewReportRoute(graph, nav, presenter)
        }
        composable(Routes.DRAFTS) {
            val presenter = rememberPresenter { DraftsPresenter(repo, it, appScope = graph.appScope) }
            val state by presenter.state.collectAsStateWithLifecycle()
            // Back from a draft: its last edits (or its sending) show in the list.
            LaunchedEffect(Unit) { presenter.onEvent(DraftsEvent.Reload) }
            DraftsScreen(state) { e ->
                if (e is DraftsEvent.Shell) {
                    when (e) {
                        is DraftsEvent.Open -> nav.navigate(Routes.newReport(e.id))
                        DraftsEvent.Back -> nav.popBackStack()
                    }
                } else {
                    presenter.onEvent(e)
                }
            }
        }
        composable(Routes.PICKER) { entry ->
            val lat = entry.arguments?.getString("lat")?.toDoubleOrNull() ?: 0.0
            val lon = entry.arguments?.getString("lon")?.toDoubleOrNull() ?: 0.0
            val presenter = rememberPresenter { LocationPickerPresenter(lat, lon) }
            val state by presenter.state.collectAsStateWithLifecycle()
            // Confirmed: hand the position back to the new-report screen and close.
            LaunchedEffect(state.confirmed) {
                if (state.confirmed) {
                    nav.previousBackStackEntry?.savedStateHandle?.set(PICKED, doubleArrayOf(state.lat, state.lon))
                    nav.popBackStack()
                }
            }
            LocationPickerScreen(state) { e ->
                when (e) {
                    LocationPickerEvent.Cancel -> nav.popBackStack()
                    else -> presenter.onEvent(e)
                }
            }
        }
        composable(Routes.NOTICES) {
            // Where the device was last (no new fix is asked for); province-wide without one.
            val presenter = rememberPresenter { NoticesPresenter(repo, it) { graph.location.lastKnownFix()?.let { f -> f.lat to f.lon } } }
            val state by presenter.state.collectAsStateWithLifecycle()
            NoticesScreen(state) { e ->
                when (e) {
                    NoticesEvent.Back -> nav.popBackStack()
                    else -> presenter.onEvent(e)
                }
            }
        }
        composable(Routes.MAP) {
            // Around where the device was last (no new fix is asked for, and only if allowed).
            val context = LocalContext.current
            val presenter = rememberPresenter {
                MapPresenter(repo, it) {
                    val allowed = listOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
                        .any { p -> ContextCompat.checkSelfPermission(context, p) == PackageManager.PERMISSION_GRANTED }
                    if (allowed) graph.location.lastKnownFix()?.let { f -> GeoPoint(f.lat, f.lon) } else null
                }
            }
            val state by presenter.state.collectAsStateWithLifecycle()
            MapScreen(state) { e ->
                when (e) {
                    is MapEvent.OpenReport -> nav.navigate(Routes.detail(e.id))
                    MapEvent.Back -> nav.popBackStack()
                    else -> presenter.onEvent(e)
                }
            }
        }
        composable(Routes.OUTBOX) {
            val presenter = rememberPresenter { OutboxPresenter(repo, drafts = repo, scope = it, syncNow = graph.scheduler::syncNow) }
            val state by presenter.state.collectAsStateWithLifecycle()
            OutboxScreen(state) { e ->
                if (e is OutboxEvent.Shell) {
                    when (e) {
                        is OutboxEvent.Open -> nav.navigate(Routes.detail(e.clientId))
                        OutboxEvent.Back -> nav.popBackStack()
                    }
                } else {
                    presenter.onEvent(e)
                }
            }
        }
        composable(Routes.DETAIL) { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val presenter = rememberPresenter { ReportDetailPresenter(repo, it, id, syncNow = graph.scheduler::syncNow) }
            val state by presenter.state.collectAsStateWithLifecycle()
            ReportDetailScreen(state) { e ->
                if (e is ReportDetailEvent.Shell) {
                    when (e) {
                        ReportDetailEvent.Rate -> nav.navigate(Routes.rating(id, state.category))
                        ReportDetailEvent.Back -> nav.popBackStack()
                        // The thumbnails are the photos at their largest here: no full-screen viewer.
                        is ReportDetailEvent.OpenPhoto -> Unit
                    }
                } else {
                    presenter.onEvent(e)
                }
            }
        }
        composable(Routes.RATING) { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val category = LocalizedText(entry.arguments?.getString("vi").orEmpty(), entry.arguments?.getString("en").orEmpty())
            val presenter = rememberPresenter { RatingPresenter(repo, it, id, category, syncNow = graph.scheduler::syncNow) }
            val state by presenter.state.collectAsStateWithLifecycle()
            RatingScreen(state) { e ->
                when (e) {
                    RatingEvent.Back -> nav.popBackStack()
                    else -> presenter.onEvent(e)
                }
            }
        }
        composable(Routes.LOGIN) {
            val presenter = rememberPresenter { LoginPresenter(repo, graph.settings, it) }
            val state by presenter.state.collectAsStateWithLifecycle()
            LaunchedEffect(state.signedIn) { if (state.signedIn) nav.popBackStack(Routes.HOME, inclusive = false) }
            LoginScreen(state) { e ->
                when (e) {
                    LoginEvent.Skip -> nav.popBackStack(Routes.HOME, inclusive = false)
                    else -> presenter.onEvent(e)
                }
            }
        }
        composable(Routes.SETTINGS) {
            val context = LocalContext.current
            val presenter = rememberPresenter {
                SettingsPresenter(
                    graph.settings, session = repo, outbox = repo, account = repo, scope = it, appScope = graph.appScope,
                    appVersion = BuildConfig.VERSION_NAME, coreVersion = coreVersion(),
                    exportDir = { DataExport.dir(context.applicationContext).path },
                )
            }
            val state by presenter.state.collectAsStateWithLifecycle()
            // Deleted (and signed out): on to the sign-in screen; back from it is the home screen.
            LaunchedEffect(state.accountDeleted) {
                if (state.accountDeleted) nav.navigate(Routes.LOGIN) { popUpTo(Routes.HOME) }
            }
            SettingsScreen(state) { e ->
                if (e is SettingsEvent.Shell) {
                    when (e) {
                        SettingsEvent.SignIn -> nav.navigate(Routes.LOGIN)
                        SettingsEvent.Back -> nav.popBackStack()
                        is SettingsEvent.ShareExport -> {
                            val intent = DataExport.shareIntent(context, e.path, context.getString(R.string.share_export_title))
                            try {
                                if (intent != null) context.startActivity(intent)
                            } catch (_: ActivityNotFoundException) {
                                Toast.makeText(context, R.string.share_export_unavailable, Toast.LENGTH_LONG).show()
                            }
                        }
                    }
                } else {
                    presenter.onEvent(e)
                }
            }
        }
    }
}

private const val PICKED = "picked_lat_lon"

/** New report with its platform parts: camera, photo picker, location permission and fixes. */
@Composable
private fun NewReportRoute(graph: AppGraph, nav: NavHostController, model: NewReportPresenter) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val state by model.state.collectAsStateWithLifecycle()

    fun measureLocation() = scope.launch {
        model.deviceFix(null, LocationStatus.ACQUIRING)
        // How long to wait for a good fix is the tenant's location policy (good_fix_wait_s).
        val waitMs = graph.repository.config().location.goodFixWaitS.toLong() * 1000
        val fix = graph.location.currentFix(timeoutMs = waitMs) ?: graph.location.lastKnownFix()
        model.deviceFix(fix, if (fix == null) LocationStatus.UNAVAILABLE else LocationStatus.FIXED)
    }

    val locationPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        if (granted.values.any { it }) measureLocation() else model.deviceFix(null, LocationStatus.PERMISSION_DENIED)
    }
    // The file the system camera app writes into; saved so that it survives our process being
    // killed while the camera app is in front.
    var captureTo by rememberSaveable { mutableStateOf<String?>(null) }
    val maxVideoSeconds = remember { graph.repository.config().media.maxVideoSeconds.toInt() }
    fun onCaptured(ok: Boolean) {
        val file = captureTo?.let(::File) ?: return
        captureTo = null
        scope.launch {
            try {
                if (ok && file.length() > 0) model.attach(file.path)
            } finally {
                file.delete()
            }
        }
    }
    val photoCamera = rememberLauncherForActivityResult(CaptureContract(CaptureMode.PHOTO, maxVideoSeconds), ::onCaptured)
    val videoCamera = rememberLauncherForActivityResult(CaptureContract(CaptureMode.VIDEO, maxVideoSeconds), ::onCaptured)
    fun capture(mode: CaptureMode) {
        val target: CaptureTarget = SystemCamera.newTarget(context, mode)
        captureTo = target.file.path
        try {
            (if (mode == CaptureMode.PHOTO) photoCamera else videoCamera).launch(target)
        } catch (e: ActivityNotFoundException) {
            captureTo = null
            target.file.delete()
            Toast.makeText(context, R.string.camera_unavailable, Toast.LENGTH_LONG).show()
        }
    }
    val maxItems = (state.maxPhotos - state.photoCount + state.maxVideos - state.videoCount).coerceAtLeast(2)
    fun importPicked(uris: List<Uri>) {
        scope.launch {
            for (uri in uris) {
                val file = runCatchingExceptions { graph.importer.copyToPrivateFile(uri) }
                    .onFailure { e -> android.util.Log.w("PhanAnh", "cannot read the picked item", e) }
                    .getOrNull() ?: continue
                try { model.attach(file.absolutePath) } finally { graph.importer.discard(file) }
            }
        }
    }
    // Items picked while the app asks for ACCESS_MEDIA_LOCATION (kept across recreation).
    var awaitingMediaLocation by rememberSaveable { mutableStateOf(arrayListOf<String>()) }
    val mediaLocationPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { _ ->
        // Granted: the importer opens the originals, GPS included; refused: the redacted copies.
        val uris = awaitingMediaLocation.map(Uri::parse)
        awaitingMediaLocation = arrayListOf()
        importPicked(uris)
    }
    val picker = rememberLauncherForActivityResult(ActivityResultContracts.PickMultipleVisualMedia(maxItems)) { uris ->
        if (graph.importer.needsMediaLocation(uris)) {
            // Asked when it matters: a picked photo's own position is the best guess of where it was taken.
            awaitingMediaLocation = ArrayList(uris.map(Uri::toString))
            mediaLocationPermission.launch(Manifest.permission.ACCESS_MEDIA_LOCATION)
        } else {
            importPicked(uris)
        }
    }

    // A position placed with the pin-adjust screen.
    val picked = nav.currentBackStackEntry?.savedStateHandle?.getStateFlow<DoubleArray?>(PICKED, null)?.collectAsStateWithLifecycle()
    LaunchedEffect(picked?.value) {
        picked?.value?.let { (lat, lon) ->
            model.pin(lat, lon)
            nav.currentBackStackEntry?.savedStateHandle?.set(PICKED, null)
        }
    }

    LaunchedEffect(Unit) {
        val fine = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED
        val coarse = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (fine || coarse) measureLocation()
        else locationPermission.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
    }
    // Leaving without having entered anything: the empty draft is not kept.
    BackHandler { model.leave(graph.appScope); nav.popBackStack() }
    // In the outbox (the presenter has given the core time to deliver): back to the list.
    LaunchedEffect(state.submitted) {
        if (state.submitted) nav.popBackStack()
    }
    // Joined a nearby report ("me too") and chose to drop this draft: back to the list.
    LaunchedEffect(state.meToo.draftDiscarded) {
        if (state.meToo.draftDiscarded) nav.popBackStack()
    }

    NewReportScreen(state) { e ->
        if (e is NewReportEvent.Shell) {
            when (e) {
                NewReportEvent.TakePhoto -> capture(CaptureMode.PHOTO)
                NewReportEvent.RecordVideo -> capture(CaptureMode.VIDEO)
                NewReportEvent.PickFromGallery -> picker.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageAndVideo))
                NewReportEvent.RefreshLocation -> { measureLocation() }
                NewReportEvent.RequestLocationPermission ->
                    locationPermission.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
                NewReportEvent.AdjustLocation -> {
                    val at = state.location.chosen
                    scope.launch {
                        val fix = at?.let { it.lat to it.lon } ?: graph.location.lastKnownFix()?.let { it.lat to it.lon }
                        // Without any position yet, start from the province's centre of government.
                        val (lat, lon) = fix ?: (18.3427 to 105.9057)
                        nav.navigate(Routes.picker(lat, lon))
                    }
                }
                NewReportEvent.Close -> { model.leave(graph.appScope); nav.popBackStack() }
            }
        } else {
            model.onEvent(e)
        }
    }
}
