import { createShopApp } from './shop-app';

createShopApp().app.synth();
