// The Android build of "Phản ánh hiện trường". Modules:
//   :app       the application (platform adapters, navigation, workers)
//   :ui        the Compose screens (pure; also compiled for the desktop JVM by android/ui/pom.xml)
//   :ui-state  UI state + user intents (plain Kotlin; also built by Maven)
//   :core-jvm  repository + view-models over the generated bindings (owned with bindings/)
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "phananh-android"
include(":app", ":ui", ":ui-state", ":core-jvm")

// core-jvm is built by Maven in CI (android/core-jvm/pom.xml). Its Gradle script lives here, next
// to the rest of the Gradle build, until the module ships its own build.gradle.kts.
if (!file("core-jvm/build.gradle.kts").exists()) {
    project(":core-jvm").buildFileName = "../gradle/core-jvm.gradle.kts"
}
