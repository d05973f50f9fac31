/** The dashboard's entry: defining the root element starts it. */
import './elements/image-studio-app.js';
