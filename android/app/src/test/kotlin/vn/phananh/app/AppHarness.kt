package vn.phananh.app

import android.app.Activity
import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.content.Intent
import android.content.res.Configuration
import android.database.Cursor
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.net.Uri
import android.os.ParcelFileDescriptor
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.hasAnyDescendant
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.junit4.ComposeTestRule
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.test.core.app.ActivityScenario
import androidx.test.core.app.ApplicationProvider
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.Locale
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowNetwork
import org.robolectric.shadows.ShadowNetworkCapabilities
import vn.phananh.StubProcess
import vn.phananh.TestEnv
import vn.phananh.core.SecretStore
import vn.phananh.ui.state.AppLanguage

/**
 * What every app test shares: the real stub on 127.0.0.1 (one process for the whole run; each
 * test uses its own phone number), the app pointed at it, the network switch, the texts in
 * both languages, a content provider that serves real photos, and the stub's HTTP API as a
 * resident and as an officer sees it.
 */
object AppHarness {
    val stub: StubProcess by lazy { StubProcess().also { s -> Runtime.getRuntime().addShutdownHook(Thread { s.close() }) } }

    /** The tenant's boundary files as the app ships them (assets/boundaries). */
    private val boundaries: File by lazy {
        Files.createTempDirectory("boundaries").toFile().also { dir ->
            TestEnv.boundaries.listFiles { f -> f.name.endsWith("_province_2025.geojson") || f.name.endsWith("_wards_2025.geojson") }!!
                .forEach { it.copyTo(File(dir, it.name)) }
        }
    }

    private var nextPhone = (System.nanoTime() / 1000 % 1_000_000).toInt()

    /** A fresh resident number per test: tests share the stub, never their reports. */
    fun newPhone(): String = "0912" + (nextPhone++ % 1_000_000).toString().padStart(6, '0')

    /**
     * Points the app at the stub. The one thing the tests replace is the secret store: the
     * Android Keystore (KeystoreSecretStore) has no implementation under Robolectric.
     */
    fun configureApp(language: AppLanguage, consented: Boolean = true, baseUrl: String = stub.baseUrl) {
        PhanAnhApplication.options = AppGraph.Options(baseUrl = baseUrl, boundariesDir = boundaries.path, secretStore = MemorySecretStore())
        val settings = vn.phananh.app.settings.AppSettings(context)
        settings.setLanguage(language)
        if (consented) settings.acceptPrivacyNotice(vn.phananh.app.consent.PrivacyNotice.VERSION, System.currentTimeMillis())
    }

    val context: Context get() = ApplicationProvider.getApplicationContext()
    val app: PhanAnhApplication get() = ApplicationProvider.getApplicationContext()

    /** Signs in through the app's repository (the real core against the stub), as a returning user. */
    fun signInDirectly(phone: String) = runBlocking {
        val repo = app.graph.repository
        val code = stub.otpFor { repo.requestOtp(phone) }
        repo.signIn(phone, code)
    }

    /** The system's network as ConnectivityManager reports it to the app's callback. */
    fun setNetwork(online: Boolean, metered: Boolean = false) {
        val cm = context.getSystemService(ConnectivityManager::class.java)
        val network = ShadowNetwork.newInstance(1)
        for (cb in shadowOf(cm).networkCallbacks) {
            if (online) {
                val caps = ShadowNetworkCapabilities.newInstance()
                shadowOf(caps).addCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
                shadowOf(caps).addCapability(NetworkCapabilities.NET_CAPABILITY_VALIDATED)
                if (!metered) shadowOf(caps).addCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED)
                cb.onCapabilitiesChanged(network, caps)
            } else {
                cb.onLost(network)
            }
        }
    }

    /** A text of the app in [language] (android/ui and android/app string resources). */
    fun text(language: AppLanguage, id: Int, vararg args: Any): String {
        val res = context.createConfigurationContext(
            Configuration(context.resources.configuration).apply { setLocale(Locale.forLanguageTag(language.tag)) },
        ).resources
        return if (args.isEmpty()) res.getString(id) else res.getString(id, *args)
    }

    fun launch(): ActivityScenario<MainActivity> = ActivityScenario.launch(MainActivity::class.java)

    fun <T> ActivityScenario<MainActivity>.activity(): MainActivity {
        var a: MainActivity? = null
        onActivity { a = it }
        return a!!
    }

    /**
     * Answers the app's latest activity-for-result request (photo picker, camera) with [data].
     * Permission requests (which Android also sends as activities for a result) stay unanswered,
     * as when the user leaves the system dialog open.
     */
    fun answerLastRequest(scenario: ActivityScenario<MainActivity>, resultCode: Int = Activity.RESULT_OK, data: Intent?): Intent {
        val activity = scenario.activity<MainActivity>()
        val started = generateSequence { shadowOf(activity).nextStartedActivityForResult }.toList()
            .lastOrNull { it.intent.action != "android.content.pm.action.REQUEST_PERMISSIONS" }
            ?: error("the app started no activity for a result")
        shadowOf(activity).receiveResult(started.intent, resultCode, data)
        return started.intent
    }

    // --- photos -----------------------------------------------------------------------------

    const val PHOTO_AUTHORITY = "vn.phananh.test.photos"

    /** A content:// URI for a real photo of ../shared/data/photos, served by [PhotoProvider]. */
    fun photoUri(relative: String): Uri {
        ensurePhotoProvider()
        val file = TestEnv.photo(relative)
        PhotoProvider.files[relative] = file
        return Uri.parse("content://$PHOTO_AUTHORITY/$relative")
    }

    private var providerRegistered = false
    private fun ensurePhotoProvider() {
        // One registration per Robolectric application (the application is new for every test).
        val key = System.identityHashCode(context)
        if (PhotoProvider.registeredFor != key) {
            Robolectric.setupContentProvider(PhotoProvider::class.java, PHOTO_AUTHORITY)
            PhotoProvider.registeredFor = key
        }
    }

    // --- waiting on the UI ------------------------------------------------------------------

    /** A node showing [text] or labelled with it (icon buttons, cards read as one sentence). */
    fun labelled(text: String, substring: Boolean = false): SemanticsMatcher =
        hasText(text, substring = substring) or hasContentDescription(text, substring = substring)

    fun ComposeTestRule.has(text: String, substring: Boolean = false): Boolean =
        onAllNodes(labelled(text, substring)).fetchSemanticsNodes().isNotEmpty()

    fun ComposeTestRule.waitForText(text: String, timeoutMs: Long = 20_000, substring: Boolean = false) {
        try {
            waitUntil(timeoutMs) { has(text, substring) }
        } catch (e: Throwable) {
            throw AssertionError("no \"$text\" on the screen within $timeoutMs ms; the screen shows: " + screenTexts(), e)
        }
    }

    /** What the screen says (for failure messages). */
    fun ComposeTestRule.screenTexts(): String =
        onAllNodes(SemanticsMatcher("any") { true }).fetchSemanticsNodes().flatMap { n ->
            (n.config.getOrNull(SemanticsProperties.Text)?.map { it.text } ?: emptyList()) +
                (n.config.getOrNull(SemanticsProperties.ContentDescription) ?: emptyList())
        }.distinct().joinToString(" | ")

    /** Clicks the clickable node showing or labelled [text] (scrolled into view first). */
    fun ComposeTestRule.clickText(text: String, substring: Boolean = false) {
        waitForText(text, substring = substring)
        val clickable = onAllNodes(labelled(text, substring) and hasClickAction())
        val node = if (clickable.fetchSemanticsNodes().isNotEmpty()) clickable[0]
        else onAllNodes(hasAnyDescendant(labelled(text, substring)) and hasClickAction())[0]
        runCatching { node.performScrollTo() }
        node.performClick()
        waitForIdle()
    }

    // --- the stub over HTTP -----------------------------------------------------------------

    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    fun call(method: String, path: String, token: String? = null, body: JSONObject? = null): Pair<Int, String> {
        val b = HttpRequest.newBuilder(URI.create(stub.baseUrl + path)).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
        token?.let { b.header("Authorization", "Bearer $it") }
        b.method(method, if (body != null) HttpRequest.BodyPublishers.ofString(body.toString()) else HttpRequest.BodyPublishers.noBody())
        val r = http.send(b.build(), HttpResponse.BodyHandlers.ofString())
        return r.statusCode() to r.body()
    }

    /** Signs in over the app API with the OTP from the stub's log; returns the access token. */
    fun tokenFor(phone: String): String = runBlocking {
        val code = stub.otpFor { check(call("POST", "api/v1/auth/otp/request", body = JSONObject().put("phone", phone)).first == 200) }
        val (status, body) = call("POST", "api/v1/auth/otp/verify", body = JSONObject().put("phone", phone).put("code", code))
        check(status == 200) { "verify $status $body" }
        JSONObject(body).getString("access_token")
    }

    /** The IOC officer (acts on every case; backend-stub/README.md). */
    val officerToken: String by lazy { tokenFor("+84980000011") }

    /** Every case the officer sees whose description contains [marker]. */
    fun casesWith(marker: String): List<JSONObject> {
        val out = mutableListOf<JSONObject>()
        var cursor: String? = null
        do {
            val q = "api/v1/officer/cases?limit=100" + (cursor?.let { "&cursor=$it" } ?: "")
            val (status, body) = call("GET", q, officerToken)
            check(status == 200) { "cases $status $body" }
            val page = JSONObject(body)
            val items: JSONArray = page.getJSONArray("items")
            for (i in 0 until items.length()) items.getJSONObject(i).takeIf { it.getString("description").contains(marker) }?.let(out::add)
            cursor = page.optString("next_cursor").takeIf { it.isNotEmpty() && it != "null" }
        } while (cursor != null)
        return out
    }

    fun officerAct(caseId: String, action: JSONObject): JSONObject {
        val (status, body) = call("POST", "api/v1/officer/cases/$caseId/actions", officerToken, action)
        check(status == 200) { "action ${action.getString("action")} on $caseId: $status $body" }
        return JSONObject(body)
    }

    fun report(caseId: String): JSONObject {
        val (status, body) = call("GET", "api/v1/reports/$caseId", officerToken)
        check(status == 200) { "report $status $body" }
        return JSONObject(body)
    }

    /** Polls [probe] (real time: the core works on its own threads) until it is non-null. */
    fun <T : Any> eventually(timeoutMs: Long = 20_000, rule: ComposeTestRule? = null, probe: () -> T?): T {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            probe()?.let { return it }
            check(System.nanoTime() < deadline) { "condition not met within $timeoutMs ms" }
            rule?.waitForIdle()
            Thread.sleep(50)
        }
    }
}

/** The core's [SecretStore] in memory (what Robolectric cannot give: the Android Keystore). */
class MemorySecretStore : SecretStore {
    private val values = ConcurrentHashMap<String, String>()
    override fun get(key: String): String? = values[key]
    override fun set(key: String, value: String) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

/** Serves files of ../shared/data/photos as content:// URIs, like a gallery app's provider. */
class PhotoProvider : ContentProvider() {
    companion object {
        val files = ConcurrentHashMap<String, File>()
        @Volatile var registeredFor: Int = 0
    }

    private fun file(uri: Uri): File = files[uri.path!!.removePrefix("/")] ?: throw java.io.FileNotFoundException(uri.toString())

    override fun onCreate() = true
    override fun getType(uri: Uri): String = when (file(uri).extension.lowercase()) {
        "jpg", "jpeg" -> "image/jpeg"
        "heic" -> "image/heic"
        "png" -> "image/png"
        "mp4" -> "video/mp4"
        else -> "application/octet-stream"
    }
    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor =
        ParcelFileDescriptor.open(file(uri), ParcelFileDescriptor.MODE_READ_ONLY)
    override fun query(uri: Uri, p: Array<out String>?, s: String?, a: Array<out String>?, o: String?): Cursor? = null
    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, s: String?, a: Array<out String>?) = 0
    override fun update(uri: Uri, v: ContentValues?, s: String?, a: Array<out String>?) = 0
}
