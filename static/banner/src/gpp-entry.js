// The GPP bundle: the server sends it before the banner only to visitors under a regulation with GPP
// sections; the banner finds it here.
import { gppCreate } from "./gpp.js";

window.__assentGpp = gppCreate;
