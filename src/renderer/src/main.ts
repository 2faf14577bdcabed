import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { i18n, matchLocale, setLocale } from './i18n';
import './styles.css';

// First run follows the OS (Electron) or browser (web host) language; a signed-in user's own choice replaces it.
setLocale(matchLocale(navigator.languages ?? [navigator.language]));
createApp(App).use(createPinia()).use(i18n).mount('#app');
