plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val rustRoot: File = rootProject.file(providers.gradleProperty("phananh.rustRoot").getOrElse(".."))
val jniOut = layout.buildDirectory.dir("generated/jniLibs")
// ABI names as Android knows them; cargo-ndk maps them to Rust targets
// (aarch64-linux-android, armv7-linux-androideabi, x86_64-linux-android).
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

android {
    namespace = "vn.phananh.app"
    compileSdk = 36
    ndkVersion = "27.2.12479018"

    defaultConfig {
        applicationId = "vn.phananh.app"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += abis }
        // White-label: a province build overrides these (product flavours or -P properties).
        buildConfigField("String", "API_BASE_URL_OVERRIDE", "\"${providers.gradleProperty("phananh.apiBaseUrl").getOrElse("")}\"")
    }

    signingConfigs {
        // Release signing from ~/.gradle/gradle.properties or CI secrets; without them
        // assembleRelease still builds, producing app-release-unsigned.apk.
        val store = providers.gradleProperty("phananh.keystore").orNull
        if (store != null) {
            create("release") {
                storeFile = file(store)
                storePassword = providers.gradleProperty("phananh.keystorePassword").get()
                keyAlias = providers.gradleProperty("phananh.keyAlias").get()
                keyPassword = providers.gradleProperty("phananh.keyPassword").get()
            }
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
            signingConfigs.findByName("release")?.let { signingConfig = it }
        }
        debug {
            applicationIdSuffix = ".debug"
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    sourceSets["main"].jniLibs.srcDir(jniOut)
    // The tenant's boundaries (GeoJSON) as assets/boundaries, for the core's offline ward lookup.
    // Default: the project's shared data next to the repository; a province build points elsewhere.
    val boundaries = rootProject.file(providers.gradleProperty("phananh.boundariesDir").getOrElse("../../shared/data/boundaries"))
    if (boundaries.isDirectory) {
        val staged = layout.buildDirectory.dir("generated/boundaryAssets")
        val stage = tasks.register<Sync>("stageBoundaries") {
            from(boundaries) { include("*_province_*.geojson", "*_wards_2025.geojson") }
            into(staged.map { it.dir("boundaries") })
        }
        sourceSets["main"].assets.srcDir(files(staged).builtBy(stage))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // JNA's AAR brings its own libjnidispatch.so per ABI.
        jniLibs.useLegacyPackaging = false
    }
}

kotlin { jvmToolchain(17) }

/**
 * Builds the core (crate phananh-ffi) for every ABI with cargo-ndk into build/generated/jniLibs.
 * Needs: rustup targets for the three ABIs, `cargo install cargo-ndk`, and the NDK above
 * (found through ANDROID_NDK_HOME or the SDK's ndk/ folder).
 */
val cargoNdkBuild by tasks.registering(Exec::class) {
    description = "Builds libphananh_ffi.so for ${abis.joinToString()} with cargo-ndk."
    group = "rust"
    workingDir = rustRoot
    inputs.dir(rustRoot.resolve("core/src"))
    inputs.dir(rustRoot.resolve("bindings/src"))
    inputs.file(rustRoot.resolve("Cargo.lock"))
    outputs.dir(jniOut)
    val ndkDir = androidComponents.sdkComponents.ndkDirectory
    doFirst { environment("ANDROID_NDK_HOME", ndkDir.get().asFile.absolutePath) }
    commandLine(
        listOf("cargo", "ndk") + abis.flatMap { listOf("-t", it) } + listOf(
            "--platform", "26",
            "-o", jniOut.get().asFile.absolutePath,
            "build", "--release", "--locked", "-p", "phananh-ffi",
        ),
    )
}

tasks.named("preBuild") { dependsOn(cargoNdkBuild) }

dependencies {
    implementation(project(":ui"))
    implementation(project(":core-jvm"))
    implementation("${libs.jna.get().module}:${libs.versions.jna.get()}@aar")

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.compose.material.icons.core)
    implementation(libs.activity.compose)
    implementation(libs.navigation.compose)
    implementation(libs.lifecycle.viewmodel.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.lifecycle.process)
    implementation(libs.core.ktx)

    // Capture goes through the system camera app (camera/SystemCamera.kt) and background
    // delivery through JobScheduler (work/SyncScheduler.kt): no CameraX (not on Maven Central,
    // from which CI builds this module) and no WorkManager (see android/README.md).
    implementation(libs.media3.transformer)
    implementation(libs.media3.effect)
    implementation(libs.media3.common)
    implementation(libs.media3.muxer)
    implementation(libs.exifinterface)
    implementation(libs.play.services.location)
    implementation(libs.coroutines.android)
    implementation(libs.coroutines.play.services)

    testImplementation(libs.junit)
    // The Robolectric tests (src/test) run in CI through android/app-check/app.sh with the
    // libraries of android/app-check/deps.txt; the same artifacts under Gradle:
    testImplementation("org.robolectric:robolectric:4.17")
    testImplementation("androidx.test:core:1.7.0")
    testImplementation("androidx.test.ext:junit:1.3.0")
    testImplementation("androidx.compose.ui:ui-test-junit4")
    // Not wired here (no SDK to check it with): the tests also use core-jvm's StubProcess.kt and
    // TestSupport.kt, and need testOptions.unitTests.isIncludeAndroidResources = true.
}
